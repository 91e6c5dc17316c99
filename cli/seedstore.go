package cli

// TEMPORARY: store.Seed (store/seed.go) is being written by another engineer. This file holds
// the one call to it behind seedDatabase, so that the seed and demo commands compile before
// it lands. When it does, replace the body of seedDatabase with the call below and delete
// these mirror types:
//
//	s, err := store.Seed(ctx, db, store.SeedOptions{Users: opt.Users, Events: opt.Events,
//		Orgs: opt.Orgs, Seed: opt.Seed}, progress)
//	... convert s to seedSummary

import (
	"context"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
)

// seedOptions mirrors store.SeedOptions.
type seedOptions struct {
	Users, Events, Orgs int64
	Seed                int64
}

// seedSummary mirrors store.SeedSummary.
type seedSummary struct {
	Users, Events, Orgs, Memberships, Invitations, Audit int64
	Elapsed                                              time.Duration
	Samples                                              []seedSample
}

// seedSample mirrors store.SeedSample: a demo account and its (demo) password.
type seedSample struct{ Login, Email, Password string }

// seedDatabase fills the database with generated demo data; tests replace it.
var seedDatabase = func(ctx context.Context, db *sqlx.DB, opt seedOptions, progress func(done, total int64)) (seedSummary, error) {
	return seedSummary{}, errors.New("seeding is not available in this build yet (store.Seed missing)")
}
