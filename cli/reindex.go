package cli

import (
	"fmt"
	"time"
)

func init() {
	register(&command{
		name:    "reindex",
		args:    "",
		summary: "cut the search blocks anew (after a large import or many renames)",
		help: `Rebuilds the search blocks: the summary of the name order that lets a search whose
matches sit together ("jean", all under J) skip straight to them. Triggers keep the blocks
complete as users are added or renamed, and cut a block again when it outgrows 8 kB, so a
search never misses anyone and never needs this to work. A renamed user's old text stays in
its old block until that block is cut again, though (a block that cannot match is walked for
nothing), and blocks cut one by one during a large import are uneven: this starts them all
afresh. Writes to users wait while it runs (about 10 s at 1M users); reads go on.
Acts as the local operator, who must be support; audited.`,
		examples: []string{"gatehouse reindex"},
		run:      runReindex,
	})
}

func runReindex(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	if code, ok := f.parseNone(e, args); !ok {
		return code
	}
	st, op, cleanup, err := openAsOperator(e, f)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
	start := time.Now()
	n, err := st.RebuildSearchBlocks(e.ctx, op)
	if err != nil {
		return fail(e, err)
	}
	fmt.Fprintf(e.stdout, "rebuilt %s search blocks in %s\n", thousands(n), time.Since(start).Round(time.Millisecond))
	return exitOK
}
