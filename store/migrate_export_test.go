package store

import (
	"context"
	"io/fs"
)

// MigrateFrom runs the migration runner on the migrations of files instead of the binary's.
func (s *Store) MigrateFrom(ctx context.Context, files fs.FS) ([]int, error) {
	return s.migrate(ctx, files)
}

// SQLStatements exposes the statement splitter of the migrations.
var SQLStatements = sqlStatements
