// Writes golden.tsv: Go's regexp answers for the allowlist's matcher (CniPlugins.Tuning.Re2Pattern) to agree with.
// Each line: pattern, text, then 1 (MatchString true), 0 (false) or ERR (Compile refused the pattern), tab-separated,
// with \t \n \\ escaped. Patterns are written by hand below and drawn at random, with a fixed seed, from the syntax
// Re2Pattern supports (and some that Go refuses). Left out: \p classes (ours refuses them) and (?<name>re), which
// Go accepts only since 1.22 (ours accepts it). Regenerate: go run golden.go > golden.tsv
package main

import (
	"fmt"
	"math/rand"
	"regexp"
	"strings"
)

var handWritten = []string{
	`^net\.ipv4\.conf\.other\.[a-z_]*$`, `^net\.ipv6\.conf\.other\.[a-z_]*$`, `^net\.ipv4\.neigh\.other\.[a-z_]*$`,
	`^net\.ipv6\.neigh\.other\.[a-z_]*$`, `^net\.ipv4\.tcp_.*`, `net.core.somaxconn`, `(?i)NET\.IPV4`, `^$`, ``,
	`a|b|`, `(a|b)*c{2,3}`, `x{0}`, `x{1001}`, `x{2,1}`, `a**`, `*a`, `(a`, `a)`, `[z-a]`, `[a-`, `\`,
	`\8`, `[[:alpha:]]+`, `[[:^digit:]]`, `[^[:space:]]`, `\d\D\w\W\s\S`, `[\d.]+`, `\bipv4\b`, `\Bpv`, `\Anet`, `all\z`,
	`(?s).`, `(?m)^c$`, `(?i:CONF)\.x`, `(?P<name>ipv[46])`, `\Qa.b\E.`, `\Qa.`, `a{,3}`, `a{3`, `a{3}?`, `a+?`, `\x41`, `\x{42}`,
	`\.`, `\-`, `[\]]`, `[]a]`, `[^]a]`, `[a-c-e]`, `\Q`, `(?x)a`, `(?-i)a`, `(?i)a(?-i)b`, `[.]`, `a{1000}`, `(|a)+`,
	`((a*)*)*b`, `(?U)a+`, `[\w-]+`, `^(net|kernel)\.`, `\t`, `[\x00-\x7f]`,
}

var texts = []string{
	"", "net.ipv4.conf.other.arp_notify", "net.ipv4.conf.eth0.arp_notify", "net.ipv6.conf.other.accept_ra",
	"net.ipv4.neigh.other.base_reachable_time", "net.core.somaxconn", "netXcore.somaxconn", "NET.IPV4.conf", "abc",
	"aac", "cc", "aaaaaab", "ipv4 ipv6", "a-b_c.9", "all", "x", "A", "c\nc", "]", "-", "a.b", "\t",
}

var atoms = []string{"a", "b", "c", ".", `\.`, "[a-c]", "[^a]", `\d`, `\w`, `\s`, `\W`, "[[:lower:]]", "[_.]",
	"^", "$", `\b`, "x", "(a|b)", "(?:ab)", "(?i)A", "n", "e", "t", "[0-9]", "(", ")", "|"}
var quantifiers = []string{"", "", "", "*", "+", "?", "{2}", "{1,2}", "{0,}", "*?", "**", "{3,1}"}

func escape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`).Replace(s)
}

func main() {
	r := rand.New(rand.NewSource(2024))
	patterns := append([]string{}, handWritten...)
	for i := 0; i < 500; i++ {
		var b strings.Builder
		for n := 1 + r.Intn(5); n > 0; n-- {
			b.WriteString(atoms[r.Intn(len(atoms))])
			b.WriteString(quantifiers[r.Intn(len(quantifiers))])
		}
		patterns = append(patterns, b.String())
	}
	for _, p := range patterns {
		re, err := regexp.Compile(p)
		for _, t := range texts {
			result := "ERR"
			if err == nil {
				result = "0"
				if re.MatchString(t) {
					result = "1"
				}
			}
			fmt.Printf("%s\t%s\t%s\n", escape(p), escape(t), result)
			if err != nil {
				break
			}
		}
	}
}
