package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/harden-tool/harden/journal"
)

// completeUnits completes UNIT arguments with the units that failed (the
// live journal's index, or --directory's) or, with --bundle, the units the
// bundle holds the configuration of: what an operator asks about.
func completeUnits(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	var units []string
	bundle, _ := cmd.Flags().GetString("bundle")
	dir, _ := cmd.Flags().GetString("directory")
	switch {
	case bundle != "":
		units = journal.BundleUnits(bundle)
	case dir != "":
		units = journal.FailedUnits(journal.JournalSpec{Dir: dir}, 100)
	case journal.Running():
		units = journal.FailedUnits(journal.JournalSpec{}, 100)
	}
	var out []string
	for _, u := range units {
		if strings.HasPrefix(u, toComplete) && !contains(args, u) {
			out = append(out, u)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// outputFormats are the values of -o/--output, the same in every command.
var outputFormats = []string{"text", "json"}

// checkOutput validates -o/--output, in one place for every command.
func checkOutput(v string) error {
	if !contains(outputFormats, v) {
		return withHints(fmt.Errorf("unknown output format %q", v), "use --output "+strings.Join(outputFormats, " or --output "))
	}
	return nil
}

// completeFlags registers the values of the flags every command shares.
func completeFlags(cmd *cobra.Command) {
	cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(outputFormats, cobra.ShellCompDirectiveNoFileComp))
	for _, f := range []string{"since", "until"} {
		if cmd.Flags().Lookup(f) != nil {
			cmd.RegisterFlagCompletionFunc(f, cobra.FixedCompletions([]string{"-1h", "-2h", "-24h", "today", "yesterday", "now"}, cobra.ShellCompDirectiveNoFileComp))
		}
	}
	if cmd.Flags().Lookup("directory") != nil {
		cmd.MarkFlagDirname("directory")
	}
}
