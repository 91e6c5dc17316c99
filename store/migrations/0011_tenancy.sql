-- Tenancy across organizations (issue 13): nothing an operator is shown describes an account
-- they cannot see, and audit rows stay in the organizations they were written in.

-- An invitation made for an account the inviting operator cannot see (a member of other
-- organizations only), or for a login code and e-mail that match no account, keeps what that
-- operator gave and was shown: the login code (the one typed, or a stand-in for a "new
-- person") and, for a "new person", the hash of the stand-in link shown once instead of the
-- real one. The real link goes only to the account's own address; the stand-in grants nothing.
ALTER TABLE invitations
    ADD COLUMN shown_login text CHECK (shown_login IS NULL OR shown_login ~ '^[A-Z0-9][A-Z0-9-]{2,39}$'),
    ADD COLUMN shown_token_hash bytea UNIQUE CHECK (shown_token_hash IS NULL OR length(shown_token_hash) = 32);

-- The organizations an audit row belongs to, fixed when it is written: its target
-- organization, or else its target user's organizations (within the acting admin's scope).
-- An admin reads the rows they wrote and those whose organizations are all theirs. NULL on
-- rows written before this column: an admin reads those only when they wrote them or when
-- their target organization is theirs.
ALTER TABLE audit_entries ADD COLUMN org_ids bigint[];
