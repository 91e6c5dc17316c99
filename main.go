// Command gatehouse is a terminal console for administering the user accounts of a customer
// portal. Its commands live in package cli; this file only wires the process to them.
package main

import (
	"os"

	"gatehouse/cli"
)

func main() {
	ctx, stop := cli.SignalContext()
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
