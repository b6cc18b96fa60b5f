//! Each demo deal's conversations, generated from its facts: an email from the champion, a
//! discovery call, and a follow-up whose turn depends on the deal's story (a budget approved, a
//! budget still to be worked out, no budget and no rush, or a bake-off against a competitor).

use jiff::civil::Date;

use super::scenario::{AccountSpec, RepSpec, Story, TenantSpec};

/// What kind of activity a generated conversation becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An email from the champion.
    Email,
    /// A call transcript with the rep and the account's people.
    Meeting,
}

/// One generated conversation.
pub struct Conversation {
    pub kind: Kind,
    pub subject: String,
    pub body: String,
    /// How many days before today it happened.
    pub days_ago: i64,
}

/// The first word of a name.
fn first(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or(name)
}

/// An amount in thousands, as people say it in the account's currency.
pub fn spoken_amount(thousands: u32, currency: &str) -> String {
    let whole = u64::from(thousands) * 1000;
    let grouped = {
        let digits = whole.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    match currency {
        "EUR" => format!("{grouped} euros"),
        "GBP" => format!("£{grouped}"),
        _ => format!("${grouped}"),
    }
}

/// "March 31".
fn spoken_date(date: Date) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let month = usize::try_from(date.month() - 1).unwrap_or(0);
    format!("{} {}", MONTHS[month.min(11)], date.day())
}

/// The deal's three conversations, oldest first.
pub fn conversations(
    tenant: &TenantSpec,
    account: &AccountSpec,
    rep: &RepSpec,
    today: Date,
) -> Vec<Conversation> {
    let product = &tenant.products[account.product.min(tenant.products.len() - 1)];
    let [champion, buyer, technical] = &account.contacts;
    let rep_line = format!("{} ({})", rep.name, tenant.display);
    let amount = spoken_amount(account.thousands, account.currency);
    let go_live = spoken_date(today.saturating_add(jiff::Span::new().days(100)));
    let competitor = tenant.competitors[0].name;

    let email = Conversation {
        kind: Kind::Email,
        subject: format!("{} and {}", product.name, account.name),
        body: format!(
            "Hi {rep},\n\nThanks for the overview call. To recap where we are: we {pain}. \
             To give you a sense of scale, {metric}.\n\nCould you send us material on {product} \
             and a rough idea of pricing for our {region} business? I would also like to set up \
             a session with {technical} from our architecture team.\n\nBest regards,\n{champion}\n{title}, {account}\n",
            rep = first(rep.name),
            pain = account.pain,
            metric = account.metric,
            product = product.name,
            region = account.region,
            technical = technical.name,
            champion = champion.name,
            title = champion.title,
            account = account.name,
        ),
        days_ago: 21,
    };

    let discovery = Conversation {
        kind: Kind::Meeting,
        subject: format!("Discovery: {}", account.deal),
        body: format!(
            "{rep_line}: Thanks for making the time. Before I show anything, is it okay if we spend \
             the first half on your situation and agree on next steps at the end?\n\
             {champion}: Sure, that works.\n\
             {rep_line}: What is the biggest problem you are trying to solve?\n\
             {champion}: Honestly, we {pain}.\n\
             {rep_line}: What does that cost you today?\n\
             {champion}: Well, {metric}.\n\
             {rep_line}: And what happens if nothing changes this year?\n\
             {technical}: Then we keep patching the old setup and the team burns out.\n\
             {rep_line}: It sounds like the team is stretched thin.\n\
             {technical}: That's right.\n\
             {rep_line}: How would you evaluate a solution like {product}?\n\
             {technical}: It has to integrate with our current stack, and security review is a must have.\n",
            champion = champion.name,
            technical = technical.name,
            pain = account.pain,
            metric = account.metric,
            product = product.name,
        ),
        days_ago: 12,
    };

    let follow_up = match account.story {
        Story::Qualified => format!(
            "{rep_line}: Thanks for joining, {buyer_first}.\n\
             {buyer}: Happy to. {champion_first} has briefed me.\n\
             {rep_line}: Where does the budget stand?\n\
             {buyer}: We approved {amount} for this in the current plan.\n\
             {rep_line}: And how will the decision be made?\n\
             {buyer}: {technical_first} runs the security review, then I sign off on the contract once legal has done the redlines.\n\
             {champion}: We need it live by {go_live}, before our peak season.\n\
             {champion}: I'll present it to the board myself next week.\n",
            buyer = buyer.name,
            buyer_first = first(buyer.name),
            champion = champion.name,
            champion_first = first(champion.name),
            technical_first = first(technical.name),
        ),
        Story::Early => format!(
            "{rep_line}: Last time you described the problem in detail. Has anything changed?\n\
             {champion}: It got worse, if anything. We {pain}.\n\
             {rep_line}: Is there a budget for fixing it?\n\
             {champion}: We still have to work out the budget with finance.\n\
             {rep_line}: Who would sign off on it?\n\
             {champion}: It would go up to our {buyer_title}, {buyer}.\n\
             {rep_line}: What timeline are you working towards?\n\
             {champion}: Ideally before the end of next quarter, but nothing is fixed yet.\n",
            champion = champion.name,
            pain = account.pain,
            buyer_title = buyer.title,
            buyer = buyer.name,
        ),
        Story::Stalled => format!(
            "{rep_line}: Good to speak again. Where are you with the idea we discussed?\n\
             {champion}: To be honest, it is more of an exploration for now.\n\
             {rep_line}: Is there a budget set aside?\n\
             {champion}: No, there is no budget for this year.\n\
             {rep_line}: Is there a date you are working towards?\n\
             {champion}: No rush on our side, really.\n\
             {rep_line}: Understood. Would it help if I sent a short case study?\n\
             {champion}: Sure, send it over.\n",
            champion = champion.name,
        ),
        Story::Competitive => format!(
            "{rep_line}: Thanks for the update call. Who else are you looking at?\n\
             {champion}: {competitor} is the incumbent and they are pitching an upgrade.\n\
             {rep_line}: What matters most to you in the decision?\n\
             {champion}: What matters most to us is time to launch and open interfaces.\n\
             {buyer}: And the total cost over five years. Our budget is {amount}, and I make the final decision.\n\
             {rep_line}: What are the steps from here?\n\
             {technical}: A proof of concept in the next six weeks, then procurement and the contract.\n\
             {champion}: I'll pitch it to the steering committee once the proof of concept is done.\n",
            champion = champion.name,
            buyer = buyer.name,
            technical = technical.name,
        ),
    };
    vec![
        email,
        discovery,
        Conversation {
            kind: Kind::Meeting,
            subject: format!("Follow-up: {}", account.deal),
            body: follow_up,
            days_ago: 3,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::demo::scenario::TENANTS;

    #[test]
    fn amounts_and_dates_read_naturally() {
        assert_eq!(spoken_amount(480, "EUR"), "480,000 euros");
        assert_eq!(spoken_amount(1200, "USD"), "$1,200,000");
        assert_eq!(spoken_date(Date::constant(2027, 3, 31)), "March 31");
    }

    #[test]
    fn every_deal_gets_three_conversations_naming_its_people() {
        let today = Date::constant(2026, 11, 24);
        for tenant in &TENANTS {
            for account in &tenant.accounts {
                let rep = &tenant.reps[0];
                let all = conversations(tenant, account, rep, today);
                assert_eq!(all.len(), 3);
                assert!(all[1].body.contains(account.contacts[0].name));
                assert!(all.iter().all(|c| !c.body.contains('{')));
            }
        }
    }
}
