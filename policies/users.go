package policies

// Actions on the directory's users (issue 19).
const (
	// ActionUsersRead lists the users (resource users), for the page where
	// the administrator ends a user's sessions.
	ActionUsersRead = "users:read"
	// ActionSessionsRevoke ends every web session of a user (resource
	// sessions:<username>).
	ActionSessionsRevoke = "sessions:revoke"
)
