package ui

import (
	"context"
	"errors"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"gatehouse/model"
	"gatehouse/model/safe"
	"gatehouse/store"
)

// Replacing the identifier of the account on the User screen, and bringing back a deleted
// one. Both go through the shared prompt: the replacement asks the new e-mail and the name,
// reads what it would carry, and asks to send it with what is carried and what is left out in
// the question; the undelete asks a reason.

// replacePlanMsg answers the read of what a replacement would carry.
type replacePlanMsg struct {
	id          int64
	email, name string
	plan        store.Replacement
	err         error
}

// askReplace asks the new e-mail address.
func (s *userView) askReplace() tea.Cmd { return s.askReplaceEmail("") }

func (s *userView) askReplaceEmail(value string) tea.Cmd {
	c, old := s.c, s.user.Email
	return s.prompt.Ask(askText, c.t("user.prompt.replace", safe.Line(s.user.Name)), value, "", func(typed string) tea.Cmd {
		email := model.NormalizeEmail(typed)
		var why string
		if email == "" {
			return flashCmd(flashWarn, c.t("bulk.cancelled"))
		}
		if err := model.ValidateEmail(email); err != nil {
			why = s.form.validationText(store.FieldEmail, err)
		} else if strings.EqualFold(email, old) {
			why = c.t("user.replace.same")
		}
		if why != "" { // the question again, with what was typed
			return tea.Batch(flashCmd(flashError, why), s.askReplaceEmail(typed))
		}
		return s.askReplaceName(email, s.user.Name)
	})
}

// askReplaceName asks the name on the new identifier (the account's, unless changed).
func (s *userView) askReplaceName(email, value string) tea.Cmd {
	c := s.c
	return s.prompt.Ask(askText, c.t("user.prompt.replace.to"), value, "", func(name string) tea.Cmd {
		if err := model.ValidateName(name); err != nil {
			return tea.Batch(flashCmd(flashError, s.form.validationText(store.FieldName, err)), s.askReplaceName(email, name))
		}
		return s.planReplacement(email, name)
	})
}

// planReplacement reads what the replacement would carry, in a command.
func (s *userView) planReplacement(email, name string) tea.Cmd {
	if s.acting {
		return nil
	}
	s.acting = true
	ctx, st, op, id := s.c.ctx, s.c.st, s.c.op, s.id
	return func() tea.Msg {
		plan, err := st.PlanReplacement(ctx, op, id)
		return replacePlanMsg{id: id, email: email, name: name, plan: plan, err: err}
	}
}

// replacePlanned asks to send the replacement, saying what it carries and what it leaves out.
func (s *userView) replacePlanned(m replacePlanMsg) tea.Cmd {
	s.acting = false
	if m.id != s.id {
		return nil
	}
	if m.err != nil {
		return s.actionErr(m.err)
	}
	c := s.c
	var carried, left []string
	for _, ms := range m.plan.Carried {
		rights := c.t("user.replace.norights")
		if len(ms.Rights) > 0 {
			rights = strings.Join(ms.Rights, ", ")
		}
		carried = append(carried, c.t("user.replace.org", ms.OrgName, rights))
	}
	for _, l := range m.plan.LeftOut {
		left = append(left, c.t("user.replace.leftout", l.OrgName, l.Right))
	}
	leftText := c.t("user.replace.nothingout")
	if len(left) > 0 {
		leftText = strings.Join(left, ", ")
	}
	old := m.plan.Old
	question := c.t("user.replace.ask", m.name, m.email, strings.Join(carried, "; "), leftText, old.Login)
	return s.prompt.Confirm(question, func() tea.Cmd {
		email, name, login := m.email, m.name, old.Login
		return s.actAt(old.Version, func(ctx context.Context, st *store.Store, op model.Operator, id int64, v int) (string, error) {
			sent, err := st.ReplaceIdentifier(ctx, op, id, v, store.ReplaceRequest{Email: email, Name: name})
			return c.t("user.replace.link", email, safe.Line(sent.Invitation.UserLogin), login), err
		})
	})
}

// actAt is act on a given version of the account (the one the question was built from).
func (s *userView) actAt(version int, fn func(ctx context.Context, st *store.Store, op model.Operator, id int64, version int) (string, error)) tea.Cmd {
	return s.act(false, func(ctx context.Context, st *store.Store, op model.Operator, id int64, _ int) (string, error) {
		return fn(ctx, st, op, id, version)
	})
}

// askUndelete asks the reason for bringing the deleted account back.
func (s *userView) askUndelete() tea.Cmd {
	c, n := s.c, safe.Line(s.user.Name)
	return s.prompt.Ask(askReason, c.t("user.prompt.undelete", n), "", "", func(reason string) tea.Cmd {
		return s.act(false, func(ctx context.Context, st *store.Store, op model.Operator, id int64, _ int) (string, error) {
			_, err := st.UndeleteUser(ctx, op, id, reason)
			return c.t("user.done.undelete", n), err
		})
	})
}

// undeleteUnavailable says why the account cannot be brought back now ("" when it can).
func (s *userView) undeleteUnavailable() string {
	c := s.c
	switch {
	case !s.loaded && s.err != nil:
		return c.errText(s.err)
	case !s.loaded:
		return c.t("loading")
	case s.acting:
		return c.t("user.unavailable.busy")
	case s.user.Status != model.StatusDeleted:
		return c.t("user.unavailable.notdeleted")
	}
	return ""
}

// replaceRefusal is the sentence for a refused replacement or undelete ("" for any other
// error: the screen's usual error line says it).
func replaceRefusal(c *common, err error) string {
	var ur *store.UndeleteRefusal
	var oe *store.OpenReplacementError
	var ae *store.AccountExistsError
	switch {
	case errors.As(err, &ur) && ur.Reason == store.UndeleteTooOld:
		return c.t("user.undelete.too_old", fmtTime(&ur.DeletedAt, false))
	case errors.As(err, &ur):
		return c.t("user.undelete." + ur.Reason)
	case errors.As(err, &oe):
		return c.t("user.replace.open", oe.InvitationID)
	case errors.As(err, &ae):
		return c.t("user.replace.exists", safe.Line(ae.Name), safe.Line(ae.Login))
	case store.IsDuplicateInvitation(err):
		return c.t("user.replace.invited")
	case errors.Is(err, store.ErrNothingToCarry):
		return c.t("user.replace.nothing")
	}
	return ""
}
