package rules

import (
	"sort"
	"strings"
	"syscall"

	"github.com/elastic/go-libaudit/v2/auparse"
)

// Errno is one error number with its name and the texts programs print
// for it.
type Errno struct {
	Num  int
	Name string // EACCES
	Text string // strerror text, as glibc words it ("Permission denied")
}

var (
	errnoByName = map[string]Errno{}
	errnoByNum  = map[int]Errno{}
	// errnoTexts is every strerror text, longest first, so that
	// "Operation not permitted" is not mistaken for a shorter text.
	errnoTexts []Errno
)

func init() {
	// Names and numbers come from go-libaudit's table (generated from the
	// kernel headers); texts from Go's copy of glibc's strerror table.
	for name, num := range auparse.AuditErrnoToNum {
		if canonicalAlias[name] != "" {
			continue
		}
		text := syscall.Errno(num).Error()
		if text == "" || strings.HasPrefix(text, "errno ") {
			continue
		}
		e := Errno{Num: num, Name: name, Text: strings.ToUpper(text[:1]) + text[1:]}
		errnoByName[name] = e
		errnoByNum[num] = e
		errnoTexts = append(errnoTexts, e)
	}
	for alias, canon := range canonicalAlias {
		errnoByName[alias] = errnoByName[canon]
	}
	sort.Slice(errnoTexts, func(i, j int) bool {
		if len(errnoTexts[i].Text) != len(errnoTexts[j].Text) {
			return len(errnoTexts[i].Text) > len(errnoTexts[j].Text)
		}
		return errnoTexts[i].Name < errnoTexts[j].Name
	})
}

// canonicalAlias maps errno names that share a number to the one programs
// are usually reported with.
var canonicalAlias = map[string]string{"EWOULDBLOCK": "EAGAIN", "EDEADLOCK": "EDEADLK", "ENOTSUP": "EOPNOTSUPP"}

// ErrnoByName looks up "EACCES".
func ErrnoByName(name string) (Errno, bool) { e, ok := errnoByName[name]; return e, ok }

// ErrnoByNum looks up 13.
func ErrnoByNum(n int) (Errno, bool) { e, ok := errnoByNum[n]; return e, ok }

// ErrnoTexts returns all errnos, longest text first.
func ErrnoTexts() []Errno { return errnoTexts }

// TextAliases are other wordings of an errno that runtimes print instead
// of the strerror text (Rust's io::ErrorKind names, Java exception
// classes, resolver errors). Matched case-sensitively as whole words.
var TextAliases = []struct{ Text, Errno string }{
	{"ReadOnlyFilesystem", "EROFS"},
	{"PermissionDenied", "EACCES"}, // Rust: both EACCES and EPERM; a code: N beside it wins
	{"NotFound", "ENOENT"},
	{"ConnectionRefused", "ECONNREFUSED"},
	{"AddrInUse", "EADDRINUSE"},
	{"NetworkUnreachable", "ENETUNREACH"},
	{"java.nio.file.AccessDeniedException", "EACCES"},
	{"java.nio.file.NoSuchFileException", "ENOENT"},
	{"java.nio.file.ReadOnlyFileSystemException", "EROFS"},
	{"Temporary failure in name resolution", "EAI_AGAIN"},
	{"Name or service not known", "EAI_NONAME"},
	{"EAI_AGAIN", "EAI_AGAIN"},
	{"TimeoutError", "ETIMEDOUT"},
	{"socket.timeout", "ETIMEDOUT"},
	{"not found in directory", "ENOENT"},   // modprobe: "Module x not found in directory /lib/modules/…"
	{"network unreachable", "ENETUNREACH"}, // libisc (dig: "failed: network unreachable.")
	{"Directory nonexistent", "ENOENT"},    // dash: "cannot create /x/y: Directory nonexistent" (a redirection's folder is missing)
	{"can't start new thread", "EAGAIN"},   // Python's threading on EAGAIN
	// Allocation failures, as runtimes report them (no errno printed):
	{"MemoryError", "ENOMEM"},                     // Python
	{"java.lang.OutOfMemoryError", "ENOMEM"},      // Java
	{"Could not reserve enough space", "ENOMEM"},  // the JVM at start, under an address-space limit
	{"JavaScript heap out of memory", "ENOMEM"},   // Node
	{"Fatal process out of memory", "ENOMEM"},     // Node (V8)
	{"runtime: out of memory", "ENOMEM"},          // Go
	{"runtime: cannot allocate memory", "ENOMEM"}, // Go
	{"memory allocation of", "ENOMEM"},            // Rust: "memory allocation of N bytes failed"
	{"std::bad_alloc", "ENOMEM"},                  // C++
	{"i/o timeout", "ETIMEDOUT"},                  // Go's net package
	{"Fatal javascript OOM", "ENOMEM"},            // Node (V8)
	{"SocketTimeoutException", "ETIMEDOUT"},       // Java
	{"Connect timed out", "ETIMEDOUT"},            // Java's message for it
}

// SignalNames are the names of the signals the limits' records name.
var SignalNames = map[int]string{9: "SIGKILL", 11: "SIGSEGV", 24: "SIGXCPU", 25: "SIGXFSZ"}
