package ui

import (
	"context"
	"slices"

	"gatehouse/model"
	"gatehouse/store"
)

// The User screen's two lists: the account's open portal sessions (all of them at once) and
// its authentication events (newest first, paged further back by keyset). Each is a list pane
// with its own loader; neither knows the screen.

// newSessionsPane lists the open sessions of user id.
func newSessionsPane(c *common, id int64) *listPane[store.Session] {
	load := func(pageRequest) func(context.Context) (listPage[store.Session], error) {
		st, op := c.st, c.op
		return func(ctx context.Context) (listPage[store.Session], error) {
			rows, err := st.ListSessions(ctx, op, id)
			return listPage[store.Session]{Rows: rows}, err
		}
	}
	// A time column is as wide as a time, or as its title in the session's language.
	opened, seen := max(16, c.widestOf("user.col.opened")), max(16, c.widestOf("user.col.seen"))
	cols := func(width int) []column[store.Session] {
		return []column[store.Session]{
			{c.t("user.col.opened"), opened, func(x store.Session) string { return fmtTime(&x.CreatedAt, true) }},
			{c.t("user.col.seen"), seen, func(x store.Session) string { return fmtTime(&x.LastSeenAt, true) }},
			{c.t("user.col.ip"), 16, func(x store.Session) string { return addrText(x.IP.IsValid(), x.IP.String()) }},
			{c.t("user.col.agent"), max(10, width-2-opened-seen-19), func(x store.Session) string { return x.UserAgent }},
		}
	}
	p := newListPane(c, load, cols)
	p.empty = c.t("user.no.sessions")
	return p
}

// eventsAt is the keyset position of a page of events: the id the page starts before (0: the
// newest), and the positions of the pages before it, to page back.
type eventsAt struct {
	before int64
	back   []int64
}

// newEventsPane lists the authentication events of user id.
func newEventsPane(c *common, id int64) *listPane[model.AuthEvent] {
	load := func(r pageRequest) func(context.Context) (listPage[model.AuthEvent], error) {
		at, _ := r.Cursor.(eventsAt)
		st, op, limit := c.st, c.op, r.Limit
		return func(ctx context.Context) (listPage[model.AuthEvent], error) {
			rows, err := st.UserTimeline(ctx, op, id, at.before, limit+1)
			page := listPage[model.AuthEvent]{At: at, HasPrev: len(at.back) > 0}
			if err != nil {
				return page, err
			}
			if len(rows) > limit {
				rows, page.HasNext = rows[:limit], true
			}
			page.Rows = rows
			if page.HasNext {
				page.Next = eventsAt{before: rows[len(rows)-1].ID, back: append(slices.Clone(at.back), at.before)}
			}
			if page.HasPrev {
				n := len(at.back) - 1
				page.Prev = eventsAt{before: at.back[n], back: slices.Clone(at.back[:n])}
			}
			return page, nil
		}
	}
	// The event and reason columns are as wide as their longest words in the session's
	// language when the row has the room (the browser column keeps at least 10 cells).
	longEvent, longReason := c.widestPrefixed("ev."), c.widestPrefixed("why.")
	cols := func(width int) []column[model.AuthEvent] {
		room := max(0, width-2-4*17-10)
		ev := min(max(16, longEvent), 16+room)
		why := min(max(16, longReason), 16+room-(ev-16))
		return []column[model.AuthEvent]{
			{c.t("user.col.at"), 16, func(e model.AuthEvent) string { return fmtTime(&e.At, true) }},
			{c.t("user.col.event"), ev, func(e model.AuthEvent) string { return eventText(c, e.Kind) }},
			{c.t("user.col.reason"), why, func(e model.AuthEvent) string { return reasonText(c, e.Reason) }},
			{c.t("user.col.ip"), 16, func(e model.AuthEvent) string { return addrText(e.IP.IsValid(), e.IP.String()) }},
			{c.t("user.col.agent"), max(10, width-2-ev-why-36), func(e model.AuthEvent) string { return e.UserAgent }},
		}
	}
	p := newListPane(c, load, cols)
	p.empty = c.t("user.no.events")
	p.styled = func(e model.AuthEvent, _ int, cell string) string {
		if e.Kind == "login_failure" || e.Kind == "lock" {
			return c.styles.Fail.Render(cell)
		}
		return cell
	}
	return p
}

func addrText(valid bool, s string) string {
	if !valid {
		return ""
	}
	return s
}
