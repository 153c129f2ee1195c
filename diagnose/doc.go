// Package diagnose is harden's engine: from the evidence of one unit it
// finds the failing invocation, extracts symptoms (errno, path, operation,
// exit status, seccomp kill), attributes each to the directive responsible
// by evaluating a model of the unit's sandbox built from its effective
// configuration, and proposes relaxations, narrowest first, each verified
// by re-evaluating the model with the drop-in applied.
//
// Facts about directives are data in package rules: the directive records
// (mounts, path lists, purpose-built directories, implied settings, merge
// kinds, ladders, limits) and the refusal rows ("X, in force, makes Z fail
// with errno Y"), which one generic loop reads (refusal.go). What needs a
// model rather than a row is code here, one file per mechanism, each with
// its explanation and its candidate relaxations:
//
//	mounts.go      the namespace's mounts, devices, RestrictFileSystems=
//	capability.go  users, capability sets, SecureBits=, no_new_privs
//	network.go     PrivateNetwork=, families, IP, port and interface filters
//	limits.go      Limit*=, TasksMax=, MemoryMax=
//	seccomp.go     SystemCallFilter=, SystemCallArchitectures=
//	setup.go       failures before the program ran (exit statuses 200-243)
//	readiness.go   Type=notify readiness
//
// attribute.go dispatches a symptom to them and relax.go verifies their
// candidates; diagnose.go orchestrates one run.
package diagnose
