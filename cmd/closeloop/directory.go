package main

import (
	"bufio"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/closeloop/closeloop/identity"
)

// The directory commands make the secrets of a directory file: a password
// is read from standard input (never from the command line, where other
// users could see it), and a new token is printed once with the hash that
// goes into the file.
func newDirectoryCommands() []*cobra.Command {
	hash := &cobra.Command{
		Use:   "hash-password",
		Short: "Read a password from standard input and print its bcrypt hash for the directory file",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
			if err != nil && line == "" {
				return errors.New("give the password on standard input")
			}
			h, err := identity.HashPassword(strings.TrimRight(line, "\r\n"))
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), h)
			return err
		},
	}
	token := &cobra.Command{
		Use:   "new-token",
		Short: "Print a new API token and the hash to list under the user's token_hashes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t := identity.NewToken()
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "token: %s\nhash:  %s\n", t, identity.HashToken(t))
			return err
		},
	}
	return []*cobra.Command{hash, token}
}
