-- Invitations and the outbox mailer (issue 4).

-- An admin's Invitations screen: their organizations' invitations, newest first (keyset).
CREATE INDEX invitations_org_created ON invitations (org_id, created_at DESC, id DESC);

-- Resending or revoking an invitation cancels its e-mails still queued.
CREATE INDEX outbox_invitation ON outbox (invitation_id) WHERE invitation_id IS NOT NULL;
