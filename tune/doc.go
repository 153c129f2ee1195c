// Package tune takes a newly locked-down service from failing to healthy,
// one narrow relaxation at a time, and undoes it all on request.
//
// A round restarts the unit, waits until it fails or stays healthy, has
// the same engine as `harden why` explain a failure, and adds the
// narrowest relaxation of the first finding to harden's own drop-in. The
// system is changed only through files this package writes (drop-ins marked
// as harden's, written atomically) and records in a state file, so that
// Undo removes exactly those, even after a crash or a reboot.
package tune
