-- The console lists the outbox's pending and failed e-mails, newest first (the Outbox
-- screen), and every console session looks for new delivery failures every few seconds: both
-- walk outbox_open, which holds only those e-mails (the sent ones, nearly the whole outbox
-- after a while, are not in it). The Users list marks an account whose latest e-mail failed:
-- one probe per row of outbox_failed_user, which holds only the failed e-mails (a few pages,
-- always in memory), and a second probe of outbox_user for the rare account it finds.
CREATE INDEX outbox_open ON outbox (id) WHERE status IN ('pending', 'failed');
CREATE INDEX outbox_failed_user ON outbox (user_id, id) WHERE status = 'failed';
