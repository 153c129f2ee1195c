// Command goapp is a lab workload: it performs one operation named on its
// command line and fails the way Go services usually do (log.Fatal of the
// wrapped *os.PathError / *net.OpError).
package main

import (
	"log"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 3 {
		log.Fatalf("usage: goapp ACTION ARG...")
	}
	arg := os.Args[2]
	switch os.Args[1] {
	case "write":
		if err := os.WriteFile(arg, []byte("state\n"), 0o644); err != nil {
			log.Fatalf("saving state: %v", err)
		}
	case "read":
		if _, err := os.ReadFile(arg); err != nil {
			log.Fatalf("loading config: %v", err)
		}
	case "listen":
		ln, err := net.Listen("tcp", ":"+arg)
		if err != nil {
			log.Fatal(err)
		}
		defer ln.Close()
	case "connect":
		c, err := net.DialTimeout("tcp", arg, 5*time.Second)
		if err != nil {
			log.Fatalf("upstream unavailable: %v", err)
		}
		c.Close()
	case "sethostname":
		if err := syscall.Sethostname([]byte(arg)); err != nil {
			log.Fatalf("sethostname: %v", err)
		}
	case "chown":
		uid, _ := strconv.Atoi(os.Args[3])
		if err := os.Chown(arg, uid, uid); err != nil {
			log.Fatal(err)
		}
	default:
		log.Fatalf("unknown action %q", os.Args[1])
	}
	log.Printf("%s %s: ok", os.Args[1], arg)
	time.Sleep(2 * time.Second)
}
