-- The Users screen's "locked" filter sorted by name: walked along users_name_cover, a page
-- skipped every unlocked user between two locked ones (13,000 index entries for a page at
-- 10M users, where 0.5% are locked: the walk grows with the table). This index holds the
-- locked accounts alone, in name order, with what tells whether a lock still holds: a page
-- is its 51 entries from the cursor (built in 10 s at 10M users).
CREATE INDEX users_locked_name ON users (name, id) INCLUDE (locked_until)
    WHERE locked_at IS NOT NULL AND status <> 'deleted';
