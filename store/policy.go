package store

import (
	"fmt"

	"gatehouse/model"
)

// ErrReadOnly refuses a change asked by a read-only session. It is an ErrForbidden
// (errors.Is(err, ErrForbidden) holds), so callers that map refusals keep working.
var ErrReadOnly = fmt.Errorf("%w: the session is read-only", ErrForbidden)

// writable is the first check of every store method that changes something on behalf of an
// operator: a read-only session changes nothing, whatever its role and whatever the screen
// or command let through. The audit row of every change checks it again, inside the
// transaction, so a change that forgets this line still commits nothing.
func writable(op model.Operator) error {
	if op.ReadOnly {
		return ErrReadOnly
	}
	return nil
}
