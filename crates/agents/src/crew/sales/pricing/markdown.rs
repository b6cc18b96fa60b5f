//! The guidance as Markdown, and the words for a band verdict. Catalog names and quoted words
//! are escaped as plain text (`crate::crew::sales::battlecard::markdown_text`).

use std::fmt::Write as _;

use domain::catalog::{Approver, BandVerdict};

use super::PricingGuidance;
use crate::crew::sales::battlecard::markdown_text;

/// What a band verdict means for whoever makes the offer.
pub(super) fn verdict_text(verdict: Option<BandVerdict>) -> String {
    match verdict {
        Some(BandVerdict::Band {
            approval: Approver::None,
            ..
        }) => "no approval needed".into(),
        Some(BandVerdict::Band { approval, .. }) => {
            format!("{} approval", approval.as_str().replace('_', " "))
        }
        Some(BandVerdict::Beyond { .. }) => "past every band: a human exception".into(),
        None => "no band applies".into(),
    }
}

impl PricingGuidance {
    /// The guidance as Markdown; catalog names and quoted words are escaped as plain text.
    pub fn to_markdown(&self) -> String {
        let c = &self.currency;
        let region = self.region.as_ref().map_or("not set", |r| r.as_str());
        let region = markdown_text(region);
        let mut out = format!("# Pricing guidance\n\nDeal value {c} {}, ", self.deal_value);
        let _ = writeln!(
            out,
            "stage {}, region {region}\n\n## List prices\n",
            self.stage.as_str()
        );
        for p in &self.products {
            for (sku, name, price, unit) in &p.lines {
                let (name, sku, unit) = (
                    markdown_text(name),
                    markdown_text(sku),
                    unit.as_str().replace('_', " "),
                );
                let _ = writeln!(out, "- {name} ({sku}): {c} {price} {unit}");
            }
            if let Some(reason) = &p.unpriced_reason {
                let _ = writeln!(out, "- Product {}: unpriced, {reason}", p.product_id);
            }
        }
        let o = &self.opening;
        let _ = writeln!(
            out,
            "\n## Opening: {}% off ({c} {})\n",
            o.percent, o.net_amount
        );
        for reason in &o.reasons {
            let _ = writeln!(out, "- {}", markdown_text(reason));
        }
        out.push_str("\n## Concession plan\n\n");
        for (i, step) in self.concessions.iter().enumerate() {
            let (l, n) = (&step.level, i + 1);
            let verdict = verdict_text(l.verdict);
            let _ = writeln!(
                out,
                "{n}. {}: effective {}% ({c} {}), {verdict}.",
                step.give, l.percent, l.net_amount
            );
            let _ = writeln!(out, "   Ask for {}.", step.ask_in_return);
        }
        let _ = match &self.walk_away {
            Some(w) => writeln!(
                out,
                "\n## Walk-away: {}% ({c} {}), {}\n\nPast it only a human exception.",
                w.percent,
                w.net_amount,
                verdict_text(w.verdict)
            ),
            None => writeln!(
                out,
                "\n## Walk-away\n\nNo discount band applies to this deal."
            ),
        };
        out.push_str("\n## Calibrated questions\n\n");
        for q in &self.questions {
            let _ = writeln!(out, "- {}", markdown_text(&q.question));
        }
        let _ = writeln!(out, "\nLabel: {}\n", markdown_text(&self.label));
        for note in &self.notes {
            let _ = writeln!(out, "> {}", markdown_text(note));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{bands, deal, now, price};
    use super::super::{Equivalence, PricingInput, build};
    use domain::id::ProductId;

    #[test]
    fn markdown_renders_sections_and_escapes_catalog_text() {
        let p = ProductId::generate();
        let deal = deal(&[p], Some("EMEA"));
        let prices = [price(p, "Seat ![x](https://evil.example/p.png) <b>", "EUR")];
        let input = PricingInput {
            opportunity: &deal,
            prices: &prices,
            bands: &bands(),
            scorecard: None,
            competitor_mentions: &[],
            price_objections: &[],
            now: now(),
        };
        let md = build(&input, &Equivalence::default()).to_markdown();
        for heading in [
            "# Pricing guidance",
            "## Opening: 5% off",
            "## Concession plan",
            "## Walk-away: 30%",
        ] {
            assert!(md.contains(heading), "{heading} in {md}");
        }
        assert!(!md.contains("![x](") && !md.contains("<b>"), "{md}");
    }
}
