//go:build mage

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fakeCargo replaces the command runners: cargo build writes a fake
// executable where cargo would, and every command is recorded.
type fakeCargo struct {
	t         *testing.T
	targetDir string
	host      string
	installed []string
	calls     [][]string
	fail      string
}

func (f *fakeCargo) install(t *testing.T) *bytes.Buffer {
	t.Helper()
	dir := t.TempDir()
	f.t = t
	f.targetDir = filepath.Join(dir, "target")
	t.Setenv("CARGO_TARGET_DIR", f.targetDir)
	oldRun, oldOutput, oldLog, oldDist := run, output, log, distDir
	t.Cleanup(func() { run, output, log, distDir = oldRun, oldOutput, oldLog, oldDist })
	var messages bytes.Buffer
	log = &messages
	distDir = filepath.Join(dir, "dist")
	run = f.run
	output = f.output
	return &messages
}

func (f *fakeCargo) run(name string, args ...string) error {
	f.calls = append(f.calls, append([]string{name}, args...))
	if f.fail != "" && strings.Contains(strings.Join(args, " "), f.fail) {
		return os.ErrPermission
	}
	if name == "cargo" && len(args) > 0 && args[0] == "build" {
		dir := filepath.Join(f.targetDir, "release")
		exe := "gpx_arenawatt"
		for i, a := range args {
			if a == "--target" {
				dir = filepath.Join(f.targetDir, args[i+1], "release")
				if strings.Contains(args[i+1], "windows") {
					exe += ".exe"
				}
			}
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, exe), []byte("binary for "+strings.Join(args, " ")), 0o644)
	}
	return nil
}

func (f *fakeCargo) output(name string, args ...string) (string, error) {
	f.calls = append(f.calls, append([]string{name}, args...))
	switch name + " " + strings.Join(args, " ") {
	case "rustc -vV":
		return "rustc 1.95.0\nbinary: rustc\nhost: " + f.host + "\nrelease: 1.95.0\n", nil
	case "rustup target list --installed":
		return strings.Join(f.installed, "\n") + "\n", nil
	}
	f.t.Fatalf("unexpected command %s %v", name, args)
	return "", nil
}

func TestGoSuffix(t *testing.T) {
	cases := map[string]string{
		"x86_64-unknown-linux-gnu":      "linux_amd64",
		"x86_64-unknown-linux-musl":     "linux_amd64",
		"aarch64-unknown-linux-gnu":     "linux_arm64",
		"armv7-unknown-linux-gnueabihf": "linux_arm",
		"x86_64-apple-darwin":           "darwin_amd64",
		"aarch64-apple-darwin":          "darwin_arm64",
		"x86_64-pc-windows-gnu":         "windows_amd64.exe",
		"x86_64-pc-windows-msvc":        "windows_amd64.exe",
		"i686-unknown-linux-gnu":        "linux_386",
		"x86_64-unknown-freebsd":        "freebsd_amd64",
	}
	for triple, want := range cases {
		got, err := GoSuffix(triple)
		if err != nil || got != want {
			t.Errorf("GoSuffix(%q) = %q, %v; want %q", triple, got, err, want)
		}
	}
	for _, bad := range []string{"wasm32-unknown-unknown", "riscv64gc-unknown-linux-gnu", "x86_64-unknown-none"} {
		if got, err := GoSuffix(bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("GoSuffix(%q) = %q, %v; want an error naming the target", bad, got, err)
		}
	}
}

func TestReleaseTargetsAllHaveGrafanaNames(t *testing.T) {
	seen := map[string]string{}
	for _, triple := range ReleaseTargets {
		suffix, err := GoSuffix(triple)
		if err != nil {
			t.Fatal(err)
		}
		if other, dup := seen[suffix]; dup {
			t.Errorf("%s and %s would both write %s", triple, other, suffix)
		}
		seen[suffix] = triple
	}
}

func TestBuildWritesTheNativeExecutableUnderGrafanasName(t *testing.T) {
	f := &fakeCargo{host: "x86_64-unknown-linux-gnu"}
	f.install(t)
	if err := Build(); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"rustc", "-vV"}, {"cargo", "build", "--release", "--bin", "gpx_arenawatt"}}
	if !reflect.DeepEqual(f.calls, want) {
		t.Fatalf("commands %v, want %v", f.calls, want)
	}
	path := filepath.Join(distDir, "gpx_arenawatt_linux_amd64")
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm()&0o111 != 0o111 {
		t.Errorf("%s has mode %v, want executable", path, info.Mode())
	}
	data, _ := os.ReadFile(path)
	if string(data) != "binary for build --release --bin gpx_arenawatt" {
		t.Errorf("%s holds %q, not what cargo built", path, data)
	}
}

func TestBuildAllBuildsInstalledTargetsAndSkipsTheOthers(t *testing.T) {
	f := &fakeCargo{
		host:      "x86_64-unknown-linux-gnu",
		installed: []string{"x86_64-unknown-linux-gnu", "aarch64-apple-darwin", "x86_64-pc-windows-gnu"},
	}
	messages := f.install(t)
	if err := BuildAll(); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(distDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"gpx_arenawatt_darwin_arm64", "gpx_arenawatt_linux_amd64", "gpx_arenawatt_windows_amd64.exe"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("dist holds %v, want %v", names, want)
	}
	for _, skipped := range []string{"aarch64-unknown-linux-gnu", "x86_64-apple-darwin"} {
		if !strings.Contains(messages.String(), "skipping "+skipped+": its Rust toolchain is not installed (rustup target add "+skipped+")") {
			t.Errorf("no skip message for %s in:\n%s", skipped, messages)
		}
	}
	for _, call := range f.calls {
		if strings.Join(call, " ") == "cargo build --release --bin gpx_arenawatt --target aarch64-unknown-linux-gnu" {
			t.Errorf("built a target whose toolchain is not installed: %v", call)
		}
	}
}

func TestBuildAllStopsOnAFailedBuild(t *testing.T) {
	f := &fakeCargo{
		host:      "x86_64-unknown-linux-gnu",
		installed: []string{"x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"},
		fail:      "aarch64-unknown-linux-gnu",
	}
	f.install(t)
	err := BuildAll()
	if err == nil {
		t.Fatal("BuildAll succeeded although cargo failed for aarch64")
	}
	if _, statErr := os.Stat(filepath.Join(distDir, "gpx_arenawatt_linux_arm64")); statErr == nil {
		t.Error("a failed build still left an executable in dist")
	}
}

func TestBuildReportsAMissingHostLine(t *testing.T) {
	f := &fakeCargo{host: ""}
	f.install(t)
	output = func(name string, args ...string) (string, error) { return "rustc 1.95.0\n", nil }
	if err := Build(); err == nil || !strings.Contains(err.Error(), "no host line") {
		t.Fatalf("Build() = %v, want an error about the missing host line", err)
	}
}

func TestTestAndCleanShellOutToCargo(t *testing.T) {
	f := &fakeCargo{host: "x86_64-unknown-linux-gnu"}
	f.install(t)
	if err := os.MkdirAll(filepath.Join(distDir, "img"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Test(); err != nil {
		t.Fatal(err)
	}
	if err := Clean(); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"cargo", "test", "--all-targets"}, {"cargo", "clean"}}
	if !reflect.DeepEqual(f.calls, want) {
		t.Errorf("commands %v, want %v", f.calls, want)
	}
	if _, err := os.Stat(distDir); !os.IsNotExist(err) {
		t.Errorf("Clean left %s behind", distDir)
	}
}
