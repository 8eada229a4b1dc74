package mail_test

import (
	"context"
	"net"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/mail"
)

// fakeSMTP accepts one message on loopback and hands over what it read.
func fakeSMTP(t *testing.T) (addr string, got chan map[string]string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got = make(chan map[string]string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		tp := textproto.NewConn(c)
		seen := map[string]string{}
		tp.PrintfLine("220 fake ESMTP")
		for {
			line, err := tp.ReadLine()
			if err != nil {
				return
			}
			cmd := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
			switch cmd {
			case "EHLO", "HELO":
				tp.PrintfLine("250 fake")
			case "MAIL", "RCPT":
				seen[cmd] = line
				tp.PrintfLine("250 ok")
			case "DATA":
				tp.PrintfLine("354 go on")
				lines, err := tp.ReadDotLines()
				if err != nil {
					return
				}
				seen["DATA"] = strings.Join(lines, "\n")
				tp.PrintfLine("250 queued")
			case "QUIT":
				tp.PrintfLine("221 bye")
				got <- seen
				return
			default:
				tp.PrintfLine("502 not implemented")
			}
		}
	}()
	return ln.Addr().String(), got
}

func TestSMTPMailerSends(t *testing.T) {
	addr, got := fakeSMTP(t)
	m, err := mail.ParseSMTP("smtp://" + addr + "?from=steward@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), &steward.Mail{To: "rita@example.com", Subject: "Reset", Body: "Open this link."}); err != nil {
		t.Fatalf("send: %v", err)
	}
	select {
	case seen := <-got:
		if !strings.Contains(seen["MAIL"], "steward@example.com") || !strings.Contains(seen["RCPT"], "rita@example.com") ||
			!strings.Contains(seen["DATA"], "Subject: Reset") || !strings.Contains(seen["DATA"], "Open this link.") {
			t.Errorf("envelope %v", seen)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the fake server got no message")
	}
	if err := m.Send(context.Background(), &steward.Mail{To: "a@example.com\r\nBcc: x@evil.test", Subject: "x"}); err == nil {
		t.Error("a header injection was sent")
	}
}
