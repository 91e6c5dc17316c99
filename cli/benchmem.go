package cli

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"gatehouse/model"
	"gatehouse/ui"
)

func init() {
	register(&command{
		name:    "bench memory",
		args:    "[--rows N] [flags]",
		summary: "resident memory of a console after paging through N rows, measured from outside",
		help: `Starts a console (headless, 200×60) in a child process, pages through --rows users of the
benchmark database, then reads the child's resident set size (VmRSS) from /proc. The target:
≤ 40 MB after 10,000 rows.`,
		examples: []string{"gatehouse bench memory --rows 10000"},
		run:      runBenchMemory,
	})
	register(&command{name: "bench memory-child", hidden: true, summary: "internal: the measured console", run: runBenchMemoryChild})
}

func runBenchMemory(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	rows := f.Int("rows", 10000, "rows to page through")
	pos, code, ok := f.parse(e, args)
	if !ok {
		return code
	}
	if code, ok := f.wantArgs(e, pos, 0, ""); !ok {
		return code
	}
	self, err := os.Executable()
	if err != nil {
		return fail(e, err)
	}
	childArgs := append([]string{"bench", "memory-child", fmt.Sprintf("--rows=%d", *rows)}, f.global.args()...)
	cmd := exec.CommandContext(e.ctx, self, childArgs...)
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = e.stderr
	if err := cmd.Start(); err != nil {
		return fail(e, err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = cmd.Wait()
		return fail(e, fmt.Errorf("child console: %v", err))
	}
	rss := vmRSS(cmd.Process.Pid)
	stdin.Close()
	_ = cmd.Wait()
	fmt.Fprintf(e.stdout, "console after paging %s: resident %.1f MB (target ≤ 40 MB)\n", strings.TrimSpace(line), float64(rss)/1024)
	return exitOK
}

// vmRSS reads a process's resident set size in KiB.
func vmRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(l, "VmRSS:")), "%d", &kb)
			return kb
		}
	}
	return -1
}

func runBenchMemoryChild(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	rows := f.Int("rows", 10000, "rows to page through")
	if _, code, ok := f.parse(e, args); !ok {
		return code
	}
	cfg, err := loadConfig(f.global)
	if err != nil {
		return fail(e, err)
	}
	st, _, cleanup, err := openBenchStore(e, cfg)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
	h := ui.NewHeadless(e.ctx, st, model.Operator{Name: "bench", Role: model.RoleSupport}, 200, 60)
	seen := h.RowsShown()
	for seen < *rows {
		h.Send(tea.KeyMsg{Type: tea.KeyPgDown})
		_ = h.View()
		n := h.RowsShown()
		if n == 0 {
			break
		}
		seen += n
	}
	runtime.GC()
	fmt.Fprintf(e.stdout, "%d rows\n", seen)
	_, _ = bufio.NewReader(e.stdin).ReadString('\n') // hold still while the parent measures
	return exitOK
}
