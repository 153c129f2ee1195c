package diagnose

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/harden-tool/harden/rules"
)

// Network: PrivateNetwork=, RestrictAddressFamilies=, IPAddressDeny=,
// SocketBindDeny= and RestrictNetworkInterfaces= (the last three are BPF
// programs that log nothing), and the one address, family, port or
// interface to let through.

// privateNetworkCandidates shares the host's network, narrowed again to
// the address the service needed when it is known.
func privateNetworkCandidates(sym *Symptom, c cause, sb *Sandbox) (out []candidate) {
	add := adder(&out)
	if sym.Errno == "ECONNREFUSED" && (sym.Addr == "" || isLoopback(sym.Addr)) {
		add([]string{"PrivateNetwork=no", "IPAddressDeny=any", "IPAddressAllow=localhost"}, "the service shares the host's network, but its IP traffic is limited to localhost by systemd's BPF filter",
			"the host's network namespace (and its AF_UNIX abstract sockets) become visible; IP traffic beyond localhost stays blocked")
	} else if sym.Addr != "" && !isLoopback(sym.Addr) {
		add([]string{"PrivateNetwork=no", "IPAddressDeny=any", "IPAddressAllow=" + sym.Addr}, "the service shares the host's network, with IP traffic limited to "+sym.Addr+" by systemd's BPF filter",
			"the host's network namespace becomes visible; other addresses stay blocked")
	} else {
		// The address is unknown (a name that did not resolve, say): an
		// allow-list without it would block the very traffic needed.
		add([]string{"PrivateNetwork=no"}, "the service shares the host's network; then narrow it again with IPAddressDeny=any and IPAddressAllow= for the resolver and the upstreams it needs",
			"the service reaches the network like any process on the host")
	}
	return out
}

// familyCandidates allows the one address family (or, unnamed, the
// common ones the list lacks).
func familyCandidates(sym *Symptom, c cause, sb *Sandbox) (out []candidate) {
	add := adder(&out)
	fams := []string{sym.Family}
	if sym.Kind == KindTimeout {
		fams = []string{"AF_UNIX"}
	}
	hint, from := "", ""
	if sym.Family == "" {
		fams = nil
		hint, from = familyHint(sym, sb)
		for _, f := range rules.CommonAddressFamilies {
			if !sb.FamilyAllowed(f) {
				fams = append(fams, f)
			}
		}
		// The family of an address the line or the command line names
		// first (lab: ping 127.0.0.1 got AF_INET6 first).
		if i := slices.Index(fams, hint); i > 0 {
			fams = append(append([]string{hint}, fams[:i]...), fams[i+1:]...)
		}
	}
	for _, f := range fams {
		r := fmt.Sprintf("allows %s sockets too", f)
		switch {
		case sym.Family == "" && f == hint:
			r += fmt.Sprintf(" (the message does not name the family; %s is an %s address)", from, f)
		case sym.Family == "":
			r += " (the message does not name the family; this is a common one the list lacks)"
		}
		add([]string{"RestrictAddressFamilies=" + f}, r, "the service may create "+f+" sockets; other families stay refused")
	}
	return out
}

// familyHint is the address family of the address the symptom, else the
// command line, names, and that address ("" if none).
func familyHint(sym *Symptom, sb *Sandbox) (family, addr string) {
	for _, a := range append([]string{sym.Addr}, argvAddrs(execArgv(sb.Props))...) {
		ip, err := netip.ParseAddr(a)
		if err != nil {
			continue
		}
		if ip.Is4() || ip.Is4In6() {
			return "AF_INET", a
		}
		return "AF_INET6", a
	}
	return "", ""
}

// argvAddrs are the words of a command line that are IP addresses, as
// arguments or options' values (--host=::1).
func argvAddrs(argv string) []string {
	var out []string
	for _, w := range argvValues(argv) {
		w = strings.Trim(w, "[]")
		if _, err := netip.ParseAddr(w); err == nil {
			out = append(out, w)
		}
	}
	return out
}

// ipCandidates allows the one address.
func ipCandidates(sym *Symptom, c cause, sb *Sandbox) (out []candidate) {
	add := adder(&out)
	if sym.Addr != "" {
		add([]string{"IPAddressAllow=" + sym.Addr}, fmt.Sprintf("lets traffic to %s through IPAddressDeny=", sym.Addr), "traffic to "+sym.Addr+" is allowed; everything else stays denied")
	}
	return out
}

// socketBindCandidates allows binding the one port.
func socketBindCandidates(sym *Symptom, c cause, sb *Sandbox) (out []candidate) {
	add := adder(&out)
	entry := strconv.Itoa(sym.Port)
	if proto := bindProto(sym, sb); proto != "" {
		entry = proto + ":" + entry
	}
	add([]string{"SocketBindAllow=" + entry}, fmt.Sprintf("allows binding port %d; SocketBindDeny= still refuses every other port", sym.Port),
		fmt.Sprintf("the service may listen on port %d", sym.Port))
	return out
}

// interfaceCandidates allows the one interface.
func interfaceCandidates(sym *Symptom, c cause, sb *Sandbox) (out []candidate) {
	add := adder(&out)
	if c.path != "" {
		add([]string{"RestrictNetworkInterfaces=" + c.path}, fmt.Sprintf("lets traffic through %s too (a later entry of the other kind removes it from a deny list)", c.path),
			fmt.Sprintf("the service may use %s; other interfaces stay restricted", c.path))
	}
	return out
}

func isLoopback(addr string) bool {
	return strings.HasPrefix(addr, "127.") || addr == "::1" || addr == "localhost"
}

// interfaceCause blames RestrictNetworkInterfaces= for traffic through
// ifname ("" when the interface is not known).
func interfaceCause(sb *Sandbox, conf Confidence, ifname, reason string) cause {
	return cause{kind: causeInterface, directive: "RestrictNetworkInterfaces", setting: "RestrictNetworkInterfaces=" + sb.Props["RestrictNetworkInterfaces"],
		confidence: conf, path: ifname, reason: reason}
}

// isSendOp: the operations through which a dropped packet shows as EPERM.
func isSendOp(op string) bool {
	switch op {
	case "sendto", "sendmsg", "sendmmsg", "send", "connect", "write":
		return true
	}
	return false
}

// protoOf reads the transport protocol a message names ("listen tcp
// :9090: bind: …", Node's "listen EPERM"), "" when it names none.
func protoOf(text string) string {
	w, _ := firstWord(text, rules.TransportWords, func(w struct{ Word, Proto string }) string { return w.Word })
	return w.Proto
}

// bindProto is the protocol of a refused bind: from the message, or, when
// the port itself came from the command line, from the command line.
func bindProto(sym *Symptom, sb *Sandbox) string {
	if p := protoOf(sym.Text); p != "" || !sym.PortGuessed {
		return p
	}
	return protoOf(execArgv(sb.Props))
}

// socketBindRefusal: SocketBindDeny= (a cgroup BPF program) refuses bind()
// of a port.
func socketBindRefusal(sym *Symptom, sb *Sandbox, sofar []cause) (out []cause) {
	if !deniedErrno(sym) {
		return nil
	}
	op := sym.Op
	if (op == "bind" || op == "" && sym.PortGuessed) && sym.Port > 0 && !sb.BindAllowed(bindProto(sym, sb), sym.Port) {
		c := cause{kind: causeSocketBind, directive: "SocketBindDeny", setting: "SocketBindDeny=" + sb.Props["SocketBindDeny"], confidence: High,
			reason:  fmt.Sprintf("port %d matches SocketBindDeny= and no SocketBindAllow= entry: systemd's cgroup BPF program makes bind() fail with EPERM, and the kernel logs nothing", sym.Port),
			confirm: "strace -f -e trace=bind on the program shows the refused bind()"}
		if sym.PortGuessed {
			c.confidence = Medium
			c.reason += fmt.Sprintf(" (the message names no port; %d is the one the command line names", sym.Port)
			if op == "" {
				c.reason += ", and no operation either"
			}
			c.reason += ")"
		}
		out = append(out, c)
	}
	return out
}

// interfaceRefusal: RestrictNetworkInterfaces= drops packets to an interface
// it does not allow: sends fail with EPERM.
func interfaceRefusal(sym *Symptom, sb *Sandbox, sofar []cause) (out []cause) {
	if !deniedErrno(sym) {
		return nil
	}
	op := sym.Op
	if sym.Errno == "EPERM" && isSendOp(op) && sym.Path == "" && strings.TrimSpace(sb.Props["RestrictNetworkInterfaces"]) != "" && !sb.NoBPF {
		switch {
		case sym.Addr != "" && isLoopback(sym.Addr) && !sb.InterfaceAllowed("lo"):
			out = append(out, interfaceCause(sb, High, "lo", fmt.Sprintf("traffic to %s goes through the loopback interface lo, which RestrictNetworkInterfaces= does not allow: systemd's BPF program drops the packets and sendmsg()/connect() report EPERM", sym.Addr)))
		case sym.Addr == "" || !isLoopback(sym.Addr):
			c := interfaceCause(sb, Medium, "", "RestrictNetworkInterfaces= limits the interfaces the service may use, and dropped packets give EPERM; which interface the route to "+orDefault(sym.Addr, "the peer")+" takes is not in the evidence")
			c.confirm = "ip route get " + orDefault(sym.Addr, "ADDRESS") + " names the interface; compare it with the setting"
			out = append(out, c)
		}
	}
	return out
}

// ipDenySend: IPAddressDeny= drops outgoing packets: sends fail with EPERM.
func ipDenySend(sym *Symptom, sb *Sandbox, sofar []cause) (out []cause) {
	if !deniedErrno(sym) {
		return nil
	}
	op := sym.Op
	if sym.Errno == "EPERM" && (op == "sendto" || op == "connect" || op == "send") && sb.AddressDenied(sym.Addr) {
		out = append(out, cause{kind: causeIP, directive: "IPAddressDeny", setting: "IPAddressDeny=" + sb.Props["IPAddressDeny"], confidence: High,
			reason: fmt.Sprintf("IPAddressDeny= makes the kernel drop outgoing packets to %s, and sendmsg()/connect() report EPERM", orDefault(sym.Addr, "that address"))})
	}
	return out
}

// privateNetwork: PrivateNetwork= leaves the service only a loopback device.
func privateNetwork(sym *Symptom, sb *Sandbox, sofar []cause) (out []cause) {
	if !unreachableErrnos[sym.Errno] {
		return nil
	}
	if isYes(sb.Props["PrivateNetwork"]) {
		c := cause{kind: causeNetwork, directive: "PrivateNetwork", setting: "PrivateNetwork=yes", confidence: High}
		switch {
		case sym.Errno == "ECONNREFUSED" && (sym.Addr == "" || isLoopback(sym.Addr)):
			c.reason = "PrivateNetwork=yes gives the service its own loopback device: nothing listens on the host's 127.0.0.1 services in there"
			if sym.Addr == "" {
				c.confidence = Medium
			}
		case sym.Errno == "ECONNREFUSED":
			c.confidence = Low
			c.reason = "PrivateNetwork=yes leaves only a loopback device; a refused connection to another address is unusual for it"
		default:
			c.reason = "PrivateNetwork=yes leaves the service only a loopback device: no route and no name resolution"
		}
		out = append(out, c)
	}
	return out
}

// familyRefusal: RestrictAddressFamilies= refuses socket() of other families.
func familyRefusal(sym *Symptom, sb *Sandbox, sofar []cause) (out []cause) {
	if sym.Errno != "EAFNOSUPPORT" {
		return nil
	}
	if v := sb.Props["RestrictAddressFamilies"]; v != "" && (sym.Family == "" || !sb.FamilyAllowed(sym.Family)) {
		c := cause{kind: causeFamily, directive: "RestrictAddressFamilies", setting: "RestrictAddressFamilies=" + v, confidence: High,
			reason:  fmt.Sprintf("socket() of %s, outside RestrictAddressFamilies=, fails with EAFNOSUPPORT; the kernel logs nothing for it", orDefault(sym.Family, "an address family")),
			confirm: "strace -f -e trace=socket on the program shows which family it asks for"}
		if sym.Family == "" {
			c.confidence = Medium
		}
		out = append(out, c)
	}
	return out
}

// dropTimeout: packets dropped silently by RestrictNetworkInterfaces= or
// IPAddressDeny=: a connect times out.
func dropTimeout(sym *Symptom, sb *Sandbox, sofar []cause) (out []cause) {
	if sym.Errno != "ETIMEDOUT" {
		return nil
	}
	if sym.Addr != "" && isLoopback(sym.Addr) && strings.TrimSpace(sb.Props["RestrictNetworkInterfaces"]) != "" && !sb.InterfaceAllowed("lo") {
		out = append(out, interfaceCause(sb, High, "lo", fmt.Sprintf("traffic to %s goes through the loopback interface lo, which RestrictNetworkInterfaces= does not allow: systemd's BPF program drops the packets silently, so a TCP connect waits until it times out", sym.Addr)))
	}
	if sb.AddressDenied(sym.Addr) {
		out = append(out, cause{kind: causeIP, directive: "IPAddressDeny", setting: "IPAddressDeny=" + sb.Props["IPAddressDeny"], confidence: Medium,
			reason: "IPAddressDeny= drops the packets silently, so a TCP connect, or a query sent over UDP, waits for an answer until it times out"})
	}
	return out
}

// unreachableErrnos are what a connection or a name lookup fails with
// when there is no network to reach.
var unreachableErrnos = map[string]bool{"ECONNREFUSED": true, "ENETUNREACH": true, "EHOSTUNREACH": true, "EAI_AGAIN": true, "EAI_NONAME": true, "ENETDOWN": true}
