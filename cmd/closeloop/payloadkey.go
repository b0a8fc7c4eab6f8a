package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/closeloop/closeloop/codec"
	"github.com/closeloop/closeloop/config"
)

// newPayloadKeyCommand manages the keys that encrypt what Closeloop
// stores in the engine (docs/access.md).
func newPayloadKeyCommand() *cobra.Command {
	pk := &cobra.Command{Use: "payload-key", Short: "Keys that encrypt case data in the Temporal engine"}
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Put a new key in front of the payload key file (CLOSELOOP_PAYLOAD_KEY_FILE); old keys stay to read what they wrote",
		Long: "Adds a fresh random key in front of the key file's keys. Restart every Closeloop process sharing the\n" +
			"file: from then on new payloads are encrypted with the new key, and the old keys still decrypt.\n" +
			"Never remove an old key while a case, or a history kept by the engine, may hold payloads it wrote.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.FromEnv()
			if err != nil {
				return err
			}
			if cfg.PayloadKeys != "" {
				return errors.New("CLOSELOOP_PAYLOAD_KEYS is set, so the key file is not used: rotate by putting a new id:base64key in front of that setting")
			}
			k, err := codec.Rotate(cfg.PayloadKeyFile, time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "new payload key %s in %s; restart every Closeloop process that shares it\n", k.ID, cfg.PayloadKeyFile)
			return nil
		},
	}
	pk.AddCommand(rotate)
	return pk
}
