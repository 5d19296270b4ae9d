//go:build mage

// Magefile for the arenawatt backend: the build entry point Grafana's plugin
// tooling expects, as a thin wrapper over cargo (the backend is Rust, so there
// is no Go code to build). It uses the standard library only, so it needs
// nothing but mage itself (or `go test -tags mage .` to test it).
//
//	mage build      the plugin executable for this machine, into dist/
//	mage buildAll   every Rust target installed with rustup; the others are skipped with a message
//	mage test       cargo test --all-targets
//	mage clean      removes dist/ and cargo's build output
//
// Executables are named gpx_arenawatt_<GOOS>_<GOARCH>[.exe], the names Grafana
// looks for next to plugin.json. The frontend is built by `npm run build`, and
// scripts/dist.sh builds both.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Executable is the plugin.json "executable" value.
const Executable = "gpx_arenawatt"

// ReleaseTargets are the Rust targets a release is built for when their
// toolchains are installed.
var ReleaseTargets = []string{
	"x86_64-unknown-linux-gnu",
	"aarch64-unknown-linux-gnu",
	"x86_64-apple-darwin",
	"aarch64-apple-darwin",
	"x86_64-pc-windows-gnu",
}

// Default is what `mage` runs with no target.
var Default = Build

// These are variables so that the tests can run the targets without cargo.
var (
	// run runs a command with its output on ours.
	run = func(name string, args ...string) error {
		cmd := exec.Command(name, args...)
		cmd.Stdout = os.Stdout
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
		}
		return nil
	}
	// output runs a command and returns what it printed.
	output = func(name string, args ...string) (string, error) {
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(name, args...)
		cmd.Stdout = &stdout
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
		}
		return stdout.String(), nil
	}
	// log receives the messages the targets print.
	log io.Writer = os.Stdout
	// distDir is where the executables go.
	distDir = "dist"
)

// GoSuffix turns a Rust target triple into Grafana's executable suffix,
// Go's GOOS_GOARCH (plus .exe on Windows).
func GoSuffix(triple string) (string, error) {
	var arch, goos, ext string
	switch {
	case strings.HasPrefix(triple, "x86_64-"):
		arch = "amd64"
	case strings.HasPrefix(triple, "aarch64-"), strings.HasPrefix(triple, "arm64-"):
		arch = "arm64"
	case strings.HasPrefix(triple, "i686-"), strings.HasPrefix(triple, "i586-"):
		arch = "386"
	case strings.HasPrefix(triple, "armv7-"), strings.HasPrefix(triple, "arm-"):
		arch = "arm"
	default:
		return "", fmt.Errorf("no Go architecture for Rust target %q", triple)
	}
	switch {
	case strings.Contains(triple, "-linux-"):
		goos = "linux"
	case strings.HasSuffix(triple, "-apple-darwin"):
		goos = "darwin"
	case strings.Contains(triple, "-windows-"):
		goos, ext = "windows", ".exe"
	case strings.HasSuffix(triple, "-freebsd"):
		goos = "freebsd"
	default:
		return "", fmt.Errorf("no Go operating system for Rust target %q", triple)
	}
	return goos + "_" + arch + ext, nil
}

// hostTriple is the Rust target of this machine.
func hostTriple() (string, error) {
	out, err := output("rustc", "-vV")
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "host: ") {
			return strings.TrimSpace(strings.TrimPrefix(line, "host: ")), nil
		}
	}
	return "", fmt.Errorf("rustc -vV printed no host line:\n%s", out)
}

// installedTargets are the Rust targets rustup has a standard library for.
func installedTargets() (map[string]bool, error) {
	out, err := output("rustup", "target", "list", "--installed")
	if err != nil {
		return nil, err
	}
	installed := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		if t := strings.TrimSpace(line); t != "" {
			installed[t] = true
		}
	}
	return installed, nil
}

func cargoTargetDir() string {
	if dir := os.Getenv("CARGO_TARGET_DIR"); dir != "" {
		return dir
	}
	return "target"
}

// buildTarget builds the release executable for one Rust target and copies it
// into dist/ under Grafana's name.
func buildTarget(triple string, native bool) error {
	suffix, err := GoSuffix(triple)
	if err != nil {
		return err
	}
	args := []string{"build", "--release", "--bin", Executable}
	built := filepath.Join(cargoTargetDir(), "release", Executable)
	if !native {
		args = append(args, "--target", triple)
		built = filepath.Join(cargoTargetDir(), triple, "release", Executable)
	}
	if strings.HasSuffix(suffix, ".exe") {
		built += ".exe"
	}
	fmt.Fprintf(log, "building %s for %s\n", Executable, triple)
	if err := run("cargo", args...); err != nil {
		return err
	}
	dest := filepath.Join(distDir, Executable+"_"+suffix)
	if err := copyExecutable(built, dest); err != nil {
		return err
	}
	fmt.Fprintf(log, "wrote %s\n", dest)
	return nil
}

func copyExecutable(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return fmt.Errorf("cargo reported success but %s cannot be read: %w", from, err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(to, data, 0o755); err != nil {
		return err
	}
	// WriteFile keeps the mode of an existing file; make sure it is executable.
	return os.Chmod(to, 0o755)
}

// Build builds the plugin executable for this machine into dist/.
func Build() error {
	host, err := hostTriple()
	if err != nil {
		return err
	}
	return buildTarget(host, true)
}

// BuildAll builds the executable for this machine and for every release
// target whose Rust toolchain is installed; the others are skipped with a
// message saying how to add them.
func BuildAll() error {
	host, err := hostTriple()
	if err != nil {
		return err
	}
	installed, err := installedTargets()
	if err != nil {
		return err
	}
	if err := buildTarget(host, true); err != nil {
		return err
	}
	for _, triple := range ReleaseTargets {
		if triple == host {
			continue
		}
		if !installed[triple] {
			fmt.Fprintf(log, "skipping %s: its Rust toolchain is not installed (rustup target add %s)\n", triple, triple)
			continue
		}
		if err := buildTarget(triple, false); err != nil {
			return err
		}
	}
	return nil
}

// Test runs every Rust test.
func Test() error {
	return run("cargo", "test", "--all-targets")
}

// Clean removes dist/ and cargo's build output.
func Clean() error {
	if err := os.RemoveAll(distDir); err != nil {
		return err
	}
	return run("cargo", "clean")
}
