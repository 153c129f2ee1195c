package diagnose

import "fmt"

// Readiness: a Type=notify service whose READY=1 never reaches PID 1
// (NotifyAccess=, or an AF_UNIX socket RestrictAddressFamilies= refuses).

// attributeReadiness: PID 1 refused a notification, or a notify start timed
// out.
func attributeReadiness(sym *Symptom, sb *Sandbox) []cause {
	if sym.Kind == KindNotify {
		na := orDefault(sb.Props["NotifyAccess"], "main")
		if na == "all" {
			return nil // every process of the unit may notify
		}
		return []cause{{kind: causeNotify, directive: "NotifyAccess", setting: "NotifyAccess=" + na, confidence: High,
			reason: fmt.Sprintf("with NotifyAccess=%s, PID 1 drops readiness notifications from any other process of the unit (a worker, a wrapper script's child): it never hears READY=1 and the start times out", na)}}
	}
	if sb.Props["Type"] == "notify" || sb.Props["Type"] == "notify-reload" {
		if !sb.FamilyAllowed("AF_UNIX") {
			return []cause{{kind: causeFamily, directive: "RestrictAddressFamilies", setting: "RestrictAddressFamilies=" + sb.Props["RestrictAddressFamilies"], confidence: Medium,
				reason: "a Type=notify service reports readiness over an AF_UNIX socket, which RestrictAddressFamilies= refuses; systemd never hears it and times out"}}
		}
		switch na := orDefault(sb.Props["NotifyAccess"], "main"); na {
		case "none":
			return []cause{{kind: causeNotify, directive: "NotifyAccess", setting: "NotifyAccess=none", confidence: Medium,
				reason: "NotifyAccess=none makes systemd drop the readiness notification"}}
		case "main", "exec":
			// systemd 257 logs the refusal only at debug level (lab:
			// notifyaccess-child-trixie): the timeout is all there is.
			return []cause{{kind: causeNotify, directive: "NotifyAccess", setting: "NotifyAccess=" + na, confidence: Medium, fallback: true,
				reason:  fmt.Sprintf("a Type=notify start timed out; with NotifyAccess=%s, PID 1 drops readiness sent by any other process of the unit (a worker, a wrapper script's child). If the program never sends READY=1 at all, Type= is what is wrong instead", na),
				confirm: "run it once with NotifyAccess=all; or `systemctl log-level debug`, reproduce, and look for \"Got notification message from PID\" in the journal"}}
		}
	}
	return nil
}
