//go:build !unix

package app

// restrictUmask: there is no umask outside Unix; the data directory's
// access is the operating system's (ACLs) to set.
func restrictUmask() {}
