// sigtrace e2e Mach-O input: a Go program, built with
// GOOS=darwin GOARCH=arm64 CGO_ENABLED=0 (Go's linker signs it ad hoc,
// "linker-signed").
package main

import "os"

func main() {
	os.Stdout.WriteString("sigtrace e2e: hello from Go\n")
}
