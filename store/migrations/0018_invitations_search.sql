-- The Invitations screen finds a person as the Users screen does, as they are spelled on the
-- phone: without accents, in any case, the words in any order. The invitation's name and
-- e-mail are kept folded as the users' are (search_fold, migration 0013), so that a search
-- compares stored text and folds nothing per row. The login code shown beside an invitation
-- depends on who reads it and is compared apart. No index: a search walks the invitations in
-- scope newest first, and there are few of them beside the users.
ALTER TABLE invitations ADD COLUMN search text GENERATED ALWAYS AS
    (search_fold(name) || E'\n' || search_fold(email)) STORED;
