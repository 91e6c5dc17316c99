-- Replacing an identifier: an invitation to a person's new e-mail that carries the memberships
-- and rights of their old account, which is deleted when the invitation is accepted.

-- The account an invitation replaces (NULL: a plain invitation).
ALTER TABLE invitations ADD COLUMN replaces_user_id bigint REFERENCES users(id);
CREATE INDEX invitations_replaces ON invitations (replaces_user_id) WHERE replaces_user_id IS NOT NULL;

-- The organizations a replacement carries (the invitation's own among them) and the rights
-- carried in each; a membership may carry none.
CREATE TABLE invitation_memberships (
    invitation_id bigint NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
    org_id        bigint NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    PRIMARY KEY (invitation_id, org_id)
);
CREATE TABLE invitation_membership_rights (
    invitation_id bigint NOT NULL,
    org_id        bigint NOT NULL,
    right_code    text   NOT NULL REFERENCES rights(code) ON DELETE CASCADE,
    PRIMARY KEY (invitation_id, org_id, right_code),
    FOREIGN KEY (invitation_id, org_id) REFERENCES invitation_memberships (invitation_id, org_id) ON DELETE CASCADE
);
