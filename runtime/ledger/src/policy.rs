//! Endorsement policies in Fabric's syntax: `AND('Org1MSP.peer','Org2MSP.peer')`,
//! `OR(...)`, `OutOf(2, 'A.peer', 'B.peer', 'C.member')`, nested.
//!
//! `AND` is `OutOf(all)`, `OR` is `OutOf(1)`. Evaluation follows Fabric's `cauthdsl`:
//! sub-policies are tried in order and each satisfied one consumes the identities it used,
//! so one endorsement never counts twice, and duplicate endorsers count once.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use thiserror::Error;

use crate::identity::{Identity, Role};

/// A parsed endorsement policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Policy {
    /// Satisfied by one identity matching the principal.
    SignedBy(Principal),
    /// Satisfied when at least `n` of `rules` are.
    OutOf {
        /// How many rules must be satisfied.
        n: usize,
        /// The rules.
        rules: Vec<Policy>,
    },
}

/// `'MSP.role'`: a role within an organization.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Principal {
    /// The organization's MSP id.
    pub msp_id: String,
    /// The required role.
    pub role: PrincipalRole,
}

/// The role part of a principal; `member` matches every role of the MSP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrincipalRole {
    /// Any identity of the MSP.
    Member,
    /// Administrators.
    Admin,
    /// Clients.
    Client,
    /// Peers.
    Peer,
    /// Orderers.
    Orderer,
}

impl Principal {
    /// True when `id` belongs to this principal's MSP with a matching role.
    pub fn matches(&self, id: &Identity) -> bool {
        id.msp_id == self.msp_id
            && match self.role {
                PrincipalRole::Member => true,
                PrincipalRole::Admin => id.role == Role::Admin,
                PrincipalRole::Client => id.role == Role::Client,
                PrincipalRole::Peer => id.role == Role::Peer,
                PrincipalRole::Orderer => id.role == Role::Orderer,
            }
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let role = match self.role {
            PrincipalRole::Member => "member",
            PrincipalRole::Admin => "admin",
            PrincipalRole::Client => "client",
            PrincipalRole::Peer => "peer",
            PrincipalRole::Orderer => "orderer",
        };
        write!(f, "'{}.{role}'", self.msp_id)
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Policy::SignedBy(p) => write!(f, "{p}"),
            Policy::OutOf { n, rules } => {
                write!(f, "OutOf({n}")?;
                for r in rules {
                    write!(f, ", {r}")?;
                }
                write!(f, ")")
            }
        }
    }
}

/// A policy string that does not parse, with the 1-based column of the problem.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "endorsement policy `{policy}`: {problem} at column {column}; write e.g. AND('Org1MSP.peer', 'Org2MSP.peer') or OutOf(2, 'A.peer', 'B.peer', 'C.member')"
)]
pub struct PolicyError {
    /// The policy text (cut to its first [`SHOWN_CHARS`] characters, then `…`).
    pub policy: String,
    /// 1-based character column.
    pub column: usize,
    /// What is wrong.
    pub problem: String,
}

/// Deepest nesting of gates (`AND(OR(AND(…)))` is 3). Evaluating, planning and printing a
/// policy recurse once per level, so a 20,000-deep policy overflowed the stack and aborted
/// `fclocal validate`; real policies nest two or three levels (Fabric documents no limit).
pub const MAX_POLICY_DEPTH: usize = 32;

/// Most characters of the policy text an error repeats.
const SHOWN_CHARS: usize = 200;

impl Policy {
    /// Parses Fabric's policy syntax. Gate names are case-insensitive (`AND`, `and`,
    /// `OutOf`, `OUTOF`), principals are single- or double-quoted.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let tokens = tokenize(text)?;
        let mut p = Parser {
            text,
            tokens,
            pos: 0,
            depth: 0,
        };
        let policy = p.policy()?;
        if let Some(tok) = p.peek() {
            return Err(p.error_at(
                tok.column,
                format!("unexpected {} after the policy", tok.kind),
            ));
        }
        Ok(policy)
    }

    /// True when the (deduplicated) identities satisfy the policy, each identity counting
    /// for at most one principal. Unlike Fabric's greedy `cauthdsl`, the search backtracks,
    /// so `AND('A.member', 'A.peer')` is satisfied by an A peer plus an A client in either
    /// order. Only the first 64 distinct identities are considered.
    pub fn is_satisfied_by<'a>(&self, identities: impl IntoIterator<Item = &'a Identity>) -> bool {
        let mut unique: Vec<&Identity> = Vec::new();
        for id in identities {
            if !unique.contains(&id) && unique.len() < 64 {
                unique.push(id);
            }
        }
        !self.outcomes(&unique, 0).is_empty()
    }

    /// Every set of used identities (as a bit mask) with which the policy can be satisfied,
    /// starting from `used`.
    fn outcomes(&self, ids: &[&Identity], used: u64) -> BTreeSet<u64> {
        match self {
            Policy::SignedBy(p) => ids
                .iter()
                .enumerate()
                .filter(|(i, id)| used & (1 << i) == 0 && p.matches(id))
                .map(|(i, _)| used | (1 << i))
                .collect(),
            Policy::OutOf { n, rules } => {
                // States: (identities used so far, rules satisfied so far, capped at n).
                let mut states: BTreeSet<(u64, usize)> = BTreeSet::from([(used, 0)]);
                for rule in rules {
                    let mut next = states.clone();
                    for &(mask, count) in &states {
                        if count >= *n {
                            continue;
                        }
                        for m in rule.outcomes(ids, mask) {
                            next.insert((m, count + 1));
                        }
                    }
                    states = next;
                }
                states
                    .into_iter()
                    .filter(|(_, count)| count >= n)
                    .map(|(mask, _)| mask)
                    .collect()
            }
        }
    }

    /// Every MSP id the policy names, sorted.
    pub fn msp_ids(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        self.collect_msps(&mut out);
        out
    }

    fn collect_msps(&self, out: &mut BTreeSet<String>) {
        match self {
            Policy::SignedBy(p) => {
                out.insert(p.msp_id.clone());
            }
            Policy::OutOf { rules, .. } => rules.iter().for_each(|r| r.collect_msps(out)),
        }
    }

    /// The smallest set of organizations (from `candidates`, in their order) whose peers,
    /// one endorsement each, satisfy the policy; `None` if even all of them do not.
    ///
    /// `peer_identity(msp)` gives a representative peer identity of an organization.
    pub fn endorsement_plan<'a>(
        &self,
        candidates: &[&'a str],
        peer_identity: impl Fn(&str) -> Identity,
    ) -> Option<Vec<&'a str>> {
        let ids: Vec<Identity> = candidates.iter().map(|m| peer_identity(m)).collect();
        let n = candidates.len().min(20);
        let mut best: Option<Vec<&'a str>> = None;
        for mask in 1u32..(1 << n) {
            let size = mask.count_ones() as usize;
            if best.as_ref().is_some_and(|b| b.len() <= size) {
                continue;
            }
            let chosen: Vec<Identity> = (0..n)
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| ids[i].clone())
                .collect();
            if self.is_satisfied_by(&chosen) {
                best = Some(
                    (0..n)
                        .filter(|i| mask & (1 << i) != 0)
                        .map(|i| candidates[i])
                        .collect(),
                );
            }
        }
        best
    }
}

impl FromStr for Policy {
    type Err = PolicyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Policy::parse(s)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Ident(String),
    Int(usize),
    Str(String),
    Open,
    Close,
    Comma,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Ident(s) => write!(f, "`{s}`"),
            Kind::Int(n) => write!(f, "number {n}"),
            Kind::Str(s) => write!(f, "'{s}'"),
            Kind::Open => f.write_str("`(`"),
            Kind::Close => f.write_str("`)`"),
            Kind::Comma => f.write_str("`,`"),
        }
    }
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    column: usize,
}

fn tokenize(text: &str) -> Result<Vec<Token>, PolicyError> {
    let err = |column: usize, problem: String| PolicyError {
        policy: text.to_string(),
        column,
        problem,
    };
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        match c {
            c if c.is_whitespace() => i += 1,
            '(' | ')' | ',' => {
                let kind = match c {
                    '(' => Kind::Open,
                    ')' => Kind::Close,
                    _ => Kind::Comma,
                };
                out.push(Token { kind, column });
                i += 1;
            }
            '\'' | '"' => {
                let quote = c;
                let start = i + 1;
                let mut j = start;
                while j < chars.len() && chars[j] != quote {
                    j += 1;
                }
                if j == chars.len() {
                    return Err(err(
                        column,
                        format!("unterminated string (missing closing {quote})"),
                    ));
                }
                out.push(Token {
                    kind: Kind::Str(chars[start..j].iter().collect()),
                    column,
                });
                i = j + 1;
            }
            c if c.is_ascii_digit() => {
                let mut j = i;
                while j < chars.len() && chars[j].is_ascii_digit() {
                    j += 1;
                }
                let digits: String = chars[i..j].iter().collect();
                let n = digits
                    .parse()
                    .map_err(|_| err(column, format!("number {digits} is too large")))?;
                out.push(Token {
                    kind: Kind::Int(n),
                    column,
                });
                i = j;
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let mut j = i;
                while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
                    j += 1;
                }
                out.push(Token {
                    kind: Kind::Ident(chars[i..j].iter().collect()),
                    column,
                });
                i = j;
            }
            other => return Err(err(column, format!("unexpected character `{other}`"))),
        }
    }
    Ok(out)
}

struct Parser<'t> {
    text: &'t str,
    tokens: Vec<Token>,
    pos: usize,
    /// Gates open around the current token.
    depth: usize,
}

impl Parser<'_> {
    fn error_at(&self, column: usize, problem: String) -> PolicyError {
        let mut policy: String = self.text.chars().take(SHOWN_CHARS).collect();
        if policy.len() < self.text.len() {
            policy.push('…');
        }
        PolicyError {
            policy,
            column,
            problem,
        }
    }

    fn end_column(&self) -> usize {
        self.text.chars().count() + 1
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self, expected: &str) -> Result<Token, PolicyError> {
        match self.tokens.get(self.pos) {
            Some(t) => {
                self.pos += 1;
                Ok(t.clone())
            }
            None => Err(self.error_at(
                self.end_column(),
                format!("expected {expected}, found the end of the policy"),
            )),
        }
    }

    fn expect(&mut self, kind: Kind, expected: &str) -> Result<(), PolicyError> {
        let t = self.next(expected)?;
        if t.kind == kind {
            Ok(())
        } else {
            Err(self.error_at(t.column, format!("expected {expected}, found {}", t.kind)))
        }
    }

    fn policy(&mut self) -> Result<Policy, PolicyError> {
        let t = self.next("AND(...), OR(...), OutOf(n, ...) or a quoted 'MSP.role'")?;
        match t.kind {
            Kind::Str(s) => self.principal(&s, t.column).map(Policy::SignedBy),
            Kind::Ident(name) => {
                let gate = name.to_ascii_lowercase();
                if !matches!(gate.as_str(), "and" | "or" | "outof") {
                    return Err(self.error_at(
                        t.column,
                        format!("unknown gate `{name}` (use AND, OR or OutOf)"),
                    ));
                }
                self.depth += 1;
                if self.depth > MAX_POLICY_DEPTH {
                    return Err(self.error_at(
                        t.column,
                        format!(
                            "gates nest more than {MAX_POLICY_DEPTH} levels deep: flatten the policy (AND and OR take any number of rules)"
                        ),
                    ));
                }
                self.expect(Kind::Open, &format!("`(` after {name}"))?;
                let n = if gate == "outof" {
                    let nt = self.next("the number of rules OutOf needs")?;
                    let n = match nt.kind {
                        Kind::Int(n) => n,
                        Kind::Str(ref s) if s.parse::<usize>().is_ok() => s.parse().unwrap_or(0),
                        other => {
                            return Err(self.error_at(
                                nt.column,
                                format!("OutOf needs a number first, found {other}"),
                            ));
                        }
                    };
                    self.expect(Kind::Comma, "`,` after OutOf's number")?;
                    Some((n, nt.column))
                } else {
                    None
                };
                let mut rules = vec![self.policy()?];
                loop {
                    let t = self.next("`,` or `)`")?;
                    match t.kind {
                        Kind::Comma => rules.push(self.policy()?),
                        Kind::Close => break,
                        other => {
                            return Err(self.error_at(
                                t.column,
                                format!("expected `,` or `)`, found {other}"),
                            ));
                        }
                    }
                }
                self.depth -= 1;
                let n = match (gate.as_str(), n) {
                    ("and", _) => rules.len(),
                    ("or", _) => 1,
                    (_, Some((n, column))) => {
                        if n == 0 || n > rules.len() {
                            return Err(self.error_at(
                                column,
                                format!(
                                    "OutOf({n}, ...) needs 1 to {} (the number of rules given)",
                                    rules.len()
                                ),
                            ));
                        }
                        n
                    }
                    _ => unreachable!("OutOf always has a number"),
                };
                Ok(Policy::OutOf { n, rules })
            }
            other => Err(self.error_at(
                t.column,
                format!("expected AND(...), OR(...), OutOf(n, ...) or a quoted 'MSP.role', found {other}"),
            )),
        }
    }

    fn principal(&self, s: &str, column: usize) -> Result<Principal, PolicyError> {
        let Some((msp, role)) = s.rsplit_once('.') else {
            return Err(self.error_at(
                column,
                format!("principal '{s}' must be 'MSP.role', e.g. 'Org1MSP.peer'"),
            ));
        };
        if msp.is_empty() {
            return Err(self.error_at(column, format!("principal '{s}' has no MSP id")));
        }
        let role = match role {
            "member" => PrincipalRole::Member,
            "admin" => PrincipalRole::Admin,
            "client" => PrincipalRole::Client,
            "peer" => PrincipalRole::Peer,
            "orderer" => PrincipalRole::Orderer,
            other => {
                return Err(self.error_at(
                    column,
                    format!(
                        "principal '{s}' has unknown role `{other}` (use member, admin, client, peer or orderer)"
                    ),
                ));
            }
        };
        Ok(Principal {
            msp_id: msp.to_string(),
            role,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Signer;

    fn id(msp: &str, role: Role) -> Identity {
        Signer::generate(msp, role).identity().clone()
    }

    #[test]
    fn parses_and_or_outof_nested() {
        let p =
            Policy::parse("AND('Org1MSP.peer', OR('Org2MSP.peer', \"Org3MSP.member\"))").unwrap();
        assert_eq!(
            p.to_string(),
            "OutOf(2, 'Org1MSP.peer', OutOf(1, 'Org2MSP.peer', 'Org3MSP.member'))"
        );
        let p = Policy::parse("outof(2, 'A.peer', 'B.peer', 'C.member')").unwrap();
        assert!(matches!(p, Policy::OutOf { n: 2, ref rules } if rules.len() == 3));
        let p = Policy::parse("'A.client'").unwrap();
        assert!(matches!(p, Policy::SignedBy(_)));
        assert_eq!(
            p.msp_ids().into_iter().collect::<Vec<_>>(),
            vec!["A".to_string()]
        );
    }

    #[test]
    fn errors_point_at_the_problem() {
        let cases = [
            ("AND('A.peer'", 13, "found the end"),
            ("AND('A.peer' 'B.peer')", 14, "expected `,` or `)`"),
            ("XOR('A.peer')", 1, "unknown gate `XOR`"),
            ("AND('A.boss')", 5, "unknown role `boss`"),
            ("AND('Apeer')", 5, "must be 'MSP.role'"),
            ("OutOf(3, 'A.peer', 'B.peer')", 7, "needs 1 to 2"),
            ("OutOf('A.peer')", 7, "needs a number first"),
            ("AND('A.peer) ", 5, "unterminated string"),
            ("AND('A.peer'))", 14, "unexpected `)` after the policy"),
            ("AND('A.peer'; 'B.peer')", 13, "unexpected character `;`"),
            ("", 1, "found the end"),
        ];
        for (text, column, problem) in cases {
            let err = Policy::parse(text).unwrap_err();
            assert_eq!(err.column, column, "{text}: {err}");
            assert!(err.problem.contains(problem), "{text}: {err}");
            assert!(err.to_string().contains("write e.g."), "{err}");
        }
    }

    #[test]
    fn deep_policies_are_refused_without_overflowing() {
        let nested =
            |depth: usize| format!("{}'A.peer'{}", "AND(".repeat(depth), ")".repeat(depth));
        assert!(Policy::parse(&nested(MAX_POLICY_DEPTH)).is_ok());
        // Before the limit this overflowed the stack (20,000 levels, 2 MB thread).
        let deep = nested(20_000);
        let error = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || Policy::parse(&deep))
            .expect("spawn")
            .join()
            .expect("no panic")
            .expect_err("too deep");
        assert_eq!(error.column, MAX_POLICY_DEPTH * 4 + 1);
        assert!(error.problem.contains("more than 32 levels"), "{error}");
        assert!(error.to_string().len() < 600, "{error}");
    }

    #[test]
    fn evaluation_matches_roles_and_never_double_counts() {
        let org1_peer = id("Org1MSP", Role::Peer);
        let org2_peer = id("Org2MSP", Role::Peer);
        let org1_client = id("Org1MSP", Role::Client);

        let and = Policy::parse("AND('Org1MSP.peer','Org2MSP.peer')").unwrap();
        assert!(and.is_satisfied_by([&org1_peer, &org2_peer]));
        assert!(!and.is_satisfied_by([&org1_peer]));
        assert!(!and.is_satisfied_by([&org1_peer, &org1_peer]));

        let or = Policy::parse("OR('Org1MSP.peer','Org2MSP.peer')").unwrap();
        assert!(or.is_satisfied_by([&org2_peer]));
        assert!(!or.is_satisfied_by([&org1_client]));

        let member = Policy::parse("'Org1MSP.member'").unwrap();
        assert!(member.is_satisfied_by([&org1_client]));
        assert!(member.is_satisfied_by([&org1_peer]));
        assert!(!member.is_satisfied_by([&org2_peer]));

        // Two principals of one org need two different identities.
        let twice = Policy::parse("AND('Org1MSP.member','Org1MSP.peer')").unwrap();
        assert!(!twice.is_satisfied_by([&org1_peer]));
        assert!(twice.is_satisfied_by([&org1_peer, &org1_client]));

        let two_of_three = Policy::parse("OutOf(2,'A.peer','B.peer','C.member')").unwrap();
        let a = id("A", Role::Peer);
        let c = id("C", Role::Client);
        assert!(two_of_three.is_satisfied_by([&a, &c]));
        assert!(!two_of_three.is_satisfied_by([&c]));
    }

    #[test]
    fn plan_picks_the_fewest_orgs() {
        let policy = Policy::parse("OR(AND('A.peer','B.peer'), 'C.peer')").unwrap();
        let plan = policy
            .endorsement_plan(&["A", "B", "C"], |m| id(m, Role::Peer))
            .unwrap();
        assert_eq!(plan, vec!["C"]);
        let policy = Policy::parse("AND('A.peer','B.peer')").unwrap();
        let plan = policy
            .endorsement_plan(&["A", "B", "C"], |m| id(m, Role::Peer))
            .unwrap();
        assert_eq!(plan, vec!["A", "B"]);
        let policy = Policy::parse("'A.client'").unwrap();
        assert!(
            policy
                .endorsement_plan(&["A"], |m| id(m, Role::Peer))
                .is_none()
        );
    }
}
