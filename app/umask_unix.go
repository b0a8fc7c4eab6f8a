//go:build unix

package app

import "syscall"

// restrictUmask makes every file this process creates 0600 and every
// directory 0700, whatever mode is asked for (open(2) and mkdir(2) take
// the umask off). It is process-wide and inherited by children, which is
// what is wanted: the embedded engine's SQLite files are made by libraries
// that ask for 0644.
func restrictUmask() { syscall.Umask(0o077) }
