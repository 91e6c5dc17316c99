//go:build tools

// Package tools pins dependencies used by packages still being written.
package main
import (
 _ "github.com/charmbracelet/bubbletea"
 _ "github.com/charmbracelet/bubbles/textinput"
 _ "github.com/charmbracelet/bubbles/help"
 _ "github.com/charmbracelet/bubbles/spinner"
 _ "github.com/charmbracelet/lipgloss"
 _ "github.com/jmoiron/sqlx"
 _ "github.com/lib/pq"
 _ "github.com/charmbracelet/wish"
 _ "github.com/charmbracelet/wish/bubbletea"
 _ "github.com/charmbracelet/ssh"
 _ "golang.org/x/crypto/argon2"
 _ "golang.org/x/crypto/bcrypt"
 _ "golang.org/x/crypto/ssh"
 _ "golang.org/x/text/unicode/norm"
 _ "github.com/charmbracelet/x/exp/teatest"
 _ "github.com/charmbracelet/x/exp/golden"
 _ "github.com/emersion/go-smtp"
 _ "github.com/mattn/go-runewidth"
)

