// Package diagnose is harden's engine: from the evidence of one unit it
// finds the failing invocation, extracts symptoms (errno, path, operation,
// exit status, seccomp kill), attributes each to the directive responsible
// by evaluating a model of the unit's sandbox built from its effective
// configuration, and proposes relaxations, narrowest first, each verified
// by re-evaluating the model with the drop-in applied.
//
// The engine knows no directive by name beyond what package rules tells
// it; rules are data.
package diagnose
