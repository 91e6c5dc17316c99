package ui

import (
	"strings"

	"gatehouse/model"
	"gatehouse/model/safe"
	"gatehouse/store"
)

// The wizard's last steps: the review of the invitation before it is sent, and the result.

// inviteDraft is the invitation as the first two steps have it, for the review.
type inviteDraft struct {
	name, email, kind string
	org               model.Organization
	rights            []model.Right
}

// inviteReview is the third step: the invitation as it will be sent, and why it was not when
// the store refused it (what was typed is kept).
type inviteReview struct {
	c       *common
	width   int
	busy    bool // the invitation is on its way
	sendErr string
}

func (r *inviteReview) View(d inviteDraft) string {
	c, st := r.c, r.c.styles
	var b strings.Builder
	lw := reviewLabelWidth(c)
	row := func(label, value string) {
		b.WriteString(st.Label.Render(safe.Pad(label, lw)) + safe.Truncate(value, max(10, r.width-lw-2)) + "\n")
	}
	b.WriteString(st.Section.Render(c.t("invite.review.title")) + "\n")
	row(c.t("invite.review.who"), strings.TrimSpace(safe.Line(d.name)+" <"+safe.Line(d.email)+">"))
	row("", d.kind)
	row(c.t("invite.org"), safe.Line(d.org.Name)+" ("+safe.Line(d.org.Slug)+")")
	for i, g := range d.rights {
		label := ""
		if i == 0 {
			label = c.t("invite.review.rights")
		}
		row(label, safe.Line(g.LabelIn(c.lang))+" ("+safe.Line(g.Code)+")")
	}
	row(c.t("invite.review.expires"), c.t("invite.review.expires.default"))
	b.WriteString("\n")
	if r.sendErr != "" {
		b.WriteString(st.Fail.Render("✗ "+safe.Truncate(r.sendErr, max(10, r.width-2))) + "\n")
	}
	return b.String()
}

func (r *inviteReview) hint() string {
	if r.busy {
		return r.c.styles.Dim.Render(r.c.t("invite.sending"))
	}
	return r.c.styles.Key.Render(r.c.t("invite.hint.review"))
}

// inviteResult is the result: the invitation created and, for a new person, the acceptance
// link, shown once with a key to copy it. An existing account's link goes only to its own
// e-mail address, and is never here.
type inviteResult struct {
	c        *common
	width    int
	inv      store.Invitation
	link     string // dropped when the wizard closes
	copied   bool
	existing bool // the existing-user path
	known    bool // the account is one the operator picked from their own users
}

// drop forgets the link.
func (r *inviteResult) drop() { r.link = "" }

func (r *inviteResult) View() string {
	c, st := r.c, r.c.styles
	var b strings.Builder
	inv := r.inv
	title := c.t("invite.done.title", inv.ID)
	if r.existing {
		title = c.t("invite.done.title.existing", inv.ID)
	}
	b.WriteString(st.OK.Render(title) + "\n\n")
	lw := reviewLabelWidth(c)
	row := func(label, value string) {
		b.WriteString(st.Label.Render(safe.Pad(label, lw)) + safe.Truncate(value, max(10, r.width-lw-2)) + "\n")
	}
	row(c.t("invite.review.who"), safe.Line(inv.Name)+" <"+safe.Line(inv.Email)+">")
	if inv.UserLogin != "" {
		row(c.t("invite.done.login"), safe.Line(inv.UserLogin))
	}
	row(c.t("invite.org"), safe.Line(inv.OrgName)+" ("+safe.Line(inv.OrgSlug)+")")
	row(c.t("invite.review.rights"), safe.Line(strings.Join(inv.Rights, ", ")))
	row(c.t("invite.review.expires"), fmtTime(&inv.ExpiresAt, true)+" UTC")
	if r.link == "" {
		// An existing account: its link goes only to its own e-mail address (if the login code
		// and the e-mail were one account's: the answer does not say, unless the operator
		// picked one of their own users).
		note := c.t("invite.done.mail.existing.unseen")
		if r.known {
			note = c.t("invite.done.mail.existing")
		}
		b.WriteString("\n" + wrapStyled(st.Dim, note, r.width-2) + "\n\n")
		return b.String()
	}
	b.WriteString("\n" + wrapStyled(st.Dim, c.t("invite.done.mail"), r.width-2) + "\n\n")
	b.WriteString(st.Section.Render(c.t("invite.done.link")) + "\n")
	b.WriteString(wrapLink(r.link, r.width) + "\n\n")
	return b.String()
}

func (r *inviteResult) hint() string {
	c := r.c
	if r.link == "" {
		return c.styles.Dim.Render(c.t("invite.hint.done.nolink"))
	}
	hint := c.t("invite.hint.done")
	if r.copied {
		hint = c.t("invite.copied") + " " + hint
	}
	return c.styles.Dim.Render(hint)
}

// wrapLink breaks a link (ASCII, ours) into lines of the screen's width rather than cutting
// it, so that it can be read out or retyped in full.
func wrapLink(link string, width int) string {
	w := max(20, width-2)
	var lines []string
	for len(link) > w {
		lines = append(lines, link[:w])
		link = link[w:]
	}
	return strings.Join(append(lines, link), "\n")
}

// reviewLabelWidth is the width of the review's and the result's labels: the longest in the
// session's language and a space ("Personne invitée "), 16 cells at least.
func reviewLabelWidth(c *common) int {
	return max(16, c.widestOf("invite.review.who", "invite.org", "invite.review.rights", "invite.review.expires", "invite.done.login")+1)
}
