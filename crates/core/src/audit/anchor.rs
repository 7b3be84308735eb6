//! Anchors of the audit chain kept outside the database: the head (sequence number and hash)
//! and the start (the last purged entry) written now and then to an append-only file. A chain
//! shortened at its end, rewritten, or cut at its start without a recorded purge no longer
//! matches its anchors, even if every link inside the database is consistent.

use super::ChainBounds;

/// One line of the anchor file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchor {
    /// When it was written (RFC 3339).
    pub at: String,
    /// `head` (periodic) or `purge` (right after a purge).
    pub kind: AnchorKind,
    pub head_seq: i64,
    pub head_hash: String,
    /// The last purged entry at that time (0: none).
    pub first: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnchorKind {
    Head,
    Purge,
}

impl Anchor {
    pub fn new(at: String, kind: AnchorKind, b: &ChainBounds) -> Self {
        Anchor { at, kind, head_seq: b.head_seq, head_hash: b.head_hash.clone(), first: b.anchor_seq }
    }

    /// `2026-11-30T20:00:00Z head seq=123 hash=ab12… first=45`
    pub fn to_line(&self) -> String {
        let kind = match self.kind {
            AnchorKind::Head => "head",
            AnchorKind::Purge => "purge",
        };
        format!("{} {kind} seq={} hash={} first={}", self.at, self.head_seq, self.head_hash, self.first)
    }

    pub fn parse(line: &str) -> Option<Anchor> {
        let mut parts = line.split_whitespace();
        let at = parts.next()?.to_string();
        let kind = match parts.next()? {
            "head" => AnchorKind::Head,
            "purge" => AnchorKind::Purge,
            _ => return None,
        };
        let mut field = |name: &str| parts.next()?.strip_prefix(name).map(str::to_string);
        let head_seq = field("seq=")?.parse().ok()?;
        let head_hash = field("hash=")?;
        let first = field("first=")?.parse().ok()?;
        Some(Anchor { at, kind, head_seq, head_hash, first })
    }
}

/// What the anchors say against the database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnchorError {
    #[error("ligne {line} du fichier d'ancrage illisible")]
    Unreadable { line: usize },
    #[error("journal tronqué : l'ancrage du {at} atteste l'entrée {anchored}, le journal s'arrête à l'entrée {head}")]
    Truncated { at: String, anchored: i64, head: i64 },
    #[error("journal réécrit : l'entrée {seq} n'a plus l'empreinte ancrée le {at}")]
    Rewritten { at: String, seq: i64 },
    #[error(
        "entrées anciennes supprimées sans purge enregistrée : le journal commence après l'entrée {first}, la dernière purge ancrée s'arrêtait à l'entrée {recorded}"
    )]
    UnrecordedPurge { first: i64, recorded: i64 },
}

/// Checks the anchors against the chain's bounds; `hash_at(seq)` gives the stored hash of an
/// entry still in the database. Returns how many anchors were read.
pub fn check_anchors(anchors: &[Anchor], bounds: &ChainBounds, hash_at: impl Fn(i64) -> Option<String>) -> Result<usize, AnchorError> {
    let Some(latest) = anchors.iter().max_by_key(|a| a.head_seq) else { return Ok(0) };
    if latest.head_seq > bounds.head_seq {
        return Err(AnchorError::Truncated { at: latest.at.clone(), anchored: latest.head_seq, head: bounds.head_seq });
    }
    if latest.head_seq > bounds.anchor_seq && hash_at(latest.head_seq).as_deref() != Some(latest.head_hash.as_str()) {
        return Err(AnchorError::Rewritten { at: latest.at.clone(), seq: latest.head_seq });
    }
    let recorded = anchors.iter().map(|a| a.first).max().unwrap_or(0);
    if bounds.anchor_seq > recorded {
        return Err(AnchorError::UnrecordedPurge { first: bounds.anchor_seq, recorded });
    }
    Ok(anchors.len())
}

/// Reads the lines of an anchor file.
pub fn parse_anchors(text: &str) -> Result<Vec<Anchor>, AnchorError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| Anchor::parse(l).ok_or(AnchorError::Unreadable { line: n + 1 }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(first: i64, head: i64) -> ChainBounds {
        ChainBounds { anchor_seq: first, anchor_hash: "p".into(), head_seq: head, head_hash: format!("h{head}") }
    }

    fn hashes(seq: i64) -> Option<String> {
        Some(format!("h{seq}"))
    }

    #[test]
    fn lines_read_back() {
        let a = Anchor::new("2026-11-30T20:00:00Z".into(), AnchorKind::Purge, &bounds(4, 9));
        assert_eq!(Anchor::parse(&a.to_line()), Some(a));
        assert!(parse_anchors("2026 head seq=x hash=y first=0").is_err());
    }

    #[test]
    fn an_honest_chain_matches_its_anchors() {
        let anchors =
            [Anchor::new("t1".into(), AnchorKind::Head, &bounds(0, 5)), Anchor::new("t2".into(), AnchorKind::Purge, &bounds(3, 8))];
        assert_eq!(check_anchors(&anchors, &bounds(3, 12), hashes), Ok(2));
    }

    #[test]
    fn a_shortened_rewritten_or_silently_purged_chain_is_caught() {
        let anchors = [Anchor::new("t1".into(), AnchorKind::Head, &bounds(0, 10))];
        // The last entries deleted and the head moved back.
        assert!(matches!(check_anchors(&anchors, &bounds(0, 7), hashes), Err(AnchorError::Truncated { anchored: 10, head: 7, .. })));
        // Deleted, then as many appended again: the anchored entry is not the same.
        let rewritten = |seq: i64| Some(if seq == 10 { "autre".to_string() } else { format!("h{seq}") });
        assert!(matches!(check_anchors(&anchors, &bounds(0, 12), rewritten), Err(AnchorError::Rewritten { seq: 10, .. })));
        // Old entries deleted, the start moved as a purge would, but no purge was anchored.
        assert!(matches!(check_anchors(&anchors, &bounds(4, 12), hashes), Err(AnchorError::UnrecordedPurge { first: 4, recorded: 0 })));
    }
}
