//! The demo's world: three business units with their products, price books, competitors,
//! reps, accounts, buying committees and deals, and the emails and call transcripts of each
//! deal. Everything is written here and generated from these facts; nothing is downloaded.

/// A product line with its list price.
pub struct ProductSpec {
    pub code: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    /// List price per unit in US dollars; euros are 0.92 of it.
    pub list_usd: u32,
    pub unit: &'static str,
    /// Product sheet, Markdown.
    pub sheet: &'static str,
}

/// A competitor: the knowledge base's competitor document is titled with its name.
pub struct CompetitorSpec {
    pub name: &'static str,
    pub brief: &'static str,
}

/// A person on the buying side.
pub struct ContactSpec {
    pub name: &'static str,
    pub title: &'static str,
    pub persona: &'static str,
    pub role: &'static str,
}

/// How a deal's conversations go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Story {
    /// Budget approved, economic buyer named, a date to hit.
    Qualified,
    /// Real pain, but the budget is still to be worked out.
    Early,
    /// Interest without money or urgency.
    Stalled,
    /// A bake-off against a named competitor.
    Competitive,
}

/// A customer account with one deal.
pub struct AccountSpec {
    pub name: &'static str,
    pub domain: &'static str,
    pub industry: &'static str,
    pub region: &'static str,
    pub currency: &'static str,
    pub deal: &'static str,
    /// The deal's value in the account's currency, thousands.
    pub thousands: u32,
    pub stage: &'static str,
    /// Index into the tenant's products.
    pub product: usize,
    /// What hurts, as the champion says it (a clause after "we").
    pub pain: &'static str,
    /// The number behind the pain, as the champion says it.
    pub metric: &'static str,
    pub story: Story,
    /// The first is the champion, the second the economic buyer, the third the technical buyer.
    pub contacts: [ContactSpec; 3],
}

/// A sales rep: one per region.
pub struct RepSpec {
    pub name: &'static str,
    pub email: &'static str,
    pub region: &'static str,
}

/// A business unit.
pub struct TenantSpec {
    pub slug: &'static str,
    pub display: &'static str,
    pub products: [ProductSpec; 2],
    pub competitors: [CompetitorSpec; 2],
    pub reps: [RepSpec; 3],
    pub accounts: [AccountSpec; 4],
}

const fn contact(
    name: &'static str,
    title: &'static str,
    persona: &'static str,
    role: &'static str,
) -> ContactSpec {
    ContactSpec {
        name,
        title,
        persona,
        role,
    }
}

/// The three demo tenants.
pub const TENANTS: [TenantSpec; 3] = [
    TenantSpec {
        slug: "skyvera",
        display: "Skyvera",
        products: [
            ProductSpec {
                code: "SKY-CHARGE",
                name: "Skyvera Charging",
                description: "Real-time convergent charging for mobile operators",
                list_usd: 42,
                unit: "per_unit",
                sheet: "# Skyvera Charging\n\nReal-time convergent charging for prepaid and postpaid \
                    subscribers. Launch a new bundle in days, not weeks: offers are configured, not \
                    coded. Runs on Kubernetes in the operator's cloud; 99.999% availability with \
                    active-active sites.\n\n## Integration\n\nDiameter Gy/Ro and 5G CHF (Nchf) \
                    interfaces, REST provisioning, Kafka usage events.\n",
            },
            ProductSpec {
                code: "SKY-INSIGHT",
                name: "Skyvera Network Insight",
                description: "Network analytics and outage prediction",
                list_usd: 18,
                unit: "per_unit",
                sheet: "# Skyvera Network Insight\n\nPredicts cell-site outages from alarm and \
                    performance data hours before they happen, and ranks field work by revenue at \
                    risk.\n\n## Results\n\nCustomers cut unplanned outages by a third in the first \
                    year.\n",
            },
        ],
        competitors: [
            CompetitorSpec {
                name: "Northwind",
                brief: "# Northwind\n\nIncumbent charging vendor at many tier-2 operators. Strong \
                    on postpaid billing, weak on real-time offers: new bundles need vendor \
                    professional services. Counter with time-to-launch and the no-code offer \
                    catalogue.\n",
            },
            CompetitorSpec {
                name: "Globex",
                brief: "# Globex\n\nSells analytics suites bundled with network equipment. Cheap \
                    when bundled, one-way integrations, slow roadmap. Counter with open interfaces \
                    and the outage-prediction references.\n",
            },
        ],
        reps: [
            RepSpec {
                name: "Mei Tan",
                email: "mei.tan@skyvera.com",
                region: "APAC",
            },
            RepSpec {
                name: "Lukas Berg",
                email: "lukas.berg@skyvera.com",
                region: "EMEA",
            },
            RepSpec {
                name: "Sofia Reyes",
                email: "sofia.reyes@skyvera.com",
                region: "AMERICAS",
            },
        ],
        accounts: [
            AccountSpec {
                name: "Nordlicht Mobile",
                domain: "nordlicht-mobile.de",
                industry: "Telecommunications",
                region: "EMEA",
                currency: "EUR",
                deal: "Nordlicht real-time charging",
                thousands: 480,
                stage: "proposal",
                product: 0,
                pain: "need six weeks to launch a prepaid bundle and lose every price war",
                metric: "we lost about four percent of prepaid subscribers last year",
                story: Story::Qualified,
                contacts: [
                    contact(
                        "Katrin Vogel",
                        "Director of Product Marketing",
                        "executive",
                        "champion",
                    ),
                    contact("Jonas Albrecht", "CFO", "c_suite", "economic_buyer"),
                    contact(
                        "Emre Yilmaz",
                        "Head of BSS Engineering",
                        "manager",
                        "technical_buyer",
                    ),
                ],
            },
            AccountSpec {
                name: "Pacific Link Telecom",
                domain: "pacificlink.com.au",
                industry: "Telecommunications",
                region: "APAC",
                currency: "USD",
                deal: "Pacific Link outage prediction",
                thousands: 210,
                stage: "discovery",
                product: 1,
                pain: "had eleven major cell-site outages last quarter and the field teams only react",
                metric: "every outage costs us around 40 hours of engineer time a month",
                story: Story::Early,
                contacts: [
                    contact(
                        "Aroha Ngata",
                        "Network Operations Manager",
                        "manager",
                        "champion",
                    ),
                    contact("David Chen", "CTO", "c_suite", "economic_buyer"),
                    contact(
                        "Priya Raman",
                        "Data Platform Lead",
                        "manager",
                        "technical_buyer",
                    ),
                ],
            },
            AccountSpec {
                name: "Andes Movil",
                domain: "andesmovil.com",
                industry: "Telecommunications",
                region: "AMERICAS",
                currency: "USD",
                deal: "Andes Movil charging replacement",
                thousands: 650,
                stage: "solution",
                product: 0,
                pain: "are stuck on a charging platform that cannot rate 5G data sessions",
                metric: "our launch cycle is 30 days per offer against 5 for the market leader",
                story: Story::Competitive,
                contacts: [
                    contact(
                        "Valentina Rojas",
                        "VP of Digital Products",
                        "executive",
                        "champion",
                    ),
                    contact("Martin Salas", "CEO", "c_suite", "economic_buyer"),
                    contact(
                        "Diego Paredes",
                        "IT Architect",
                        "individual_contributor",
                        "technical_buyer",
                    ),
                ],
            },
            AccountSpec {
                name: "Baltic Wave",
                domain: "balticwave.lv",
                industry: "Telecommunications",
                region: "EMEA",
                currency: "EUR",
                deal: "Baltic Wave network insight pilot",
                thousands: 90,
                stage: "qualification",
                product: 1,
                pain: "find out about failing sites from customer complaints",
                metric: "roughly 15 percent of our tickets are about dropped calls",
                story: Story::Stalled,
                contacts: [
                    contact(
                        "Ilze Ozola",
                        "Operations Analyst",
                        "individual_contributor",
                        "user",
                    ),
                    contact("Raimonds Kalnins", "COO", "c_suite", "economic_buyer"),
                    contact("Peteris Liepa", "IT Manager", "manager", "technical_buyer"),
                ],
            },
        ],
    },
    TenantSpec {
        slug: "jigtree",
        display: "Jigtree",
        products: [
            ProductSpec {
                code: "JIG-FLOW",
                name: "Jigtree Workflow",
                description: "Workflow automation for back-office teams",
                list_usd: 65,
                unit: "per_seat_month",
                sheet: "# Jigtree Workflow\n\nAutomates approvals, hand-offs and document checks \
                    for back-office teams. Visual designer, audit trail, SAP and Salesforce \
                    connectors. SOC 2 Type II and ISO 27001.\n",
            },
            ProductSpec {
                code: "JIG-DOCS",
                name: "Jigtree Document AI",
                description: "Reads invoices, claims and forms",
                list_usd: 30,
                unit: "per_seat_month",
                sheet: "# Jigtree Document AI\n\nExtracts fields from invoices, claims and forms \
                    with human review for low-confidence fields. Typical straight-through rate \
                    above 80 percent after tuning.\n",
            },
        ],
        competitors: [
            CompetitorSpec {
                name: "Contoso",
                brief: "# Contoso\n\nLarge suite vendor. Workflow is an add-on to its ERP; strong \
                    with CIOs, slow to change, long implementations. Counter with time to first \
                    workflow and business-user design.\n",
            },
            CompetitorSpec {
                name: "Initech",
                brief: "# Initech\n\nSystems integrator with its own document-capture module, \
                    usually bundled into outsourcing contracts. Counter with accuracy benchmarks \
                    and no lock-in.\n",
            },
        ],
        reps: [
            RepSpec {
                name: "Arjun Mehta",
                email: "arjun.mehta@jigtree.com",
                region: "APAC",
            },
            RepSpec {
                name: "Claire Dubois",
                email: "claire.dubois@jigtree.com",
                region: "EMEA",
            },
            RepSpec {
                name: "Ben Carter",
                email: "ben.carter@jigtree.com",
                region: "AMERICAS",
            },
        ],
        accounts: [
            AccountSpec {
                name: "Harbor Mutual Insurance",
                domain: "harbormutual.com",
                industry: "Insurance",
                region: "AMERICAS",
                currency: "USD",
                deal: "Harbor Mutual claims intake",
                thousands: 320,
                stage: "negotiation",
                product: 1,
                pain: "re-key every claim form by hand and the backlog is three weeks long",
                metric: "each adjuster spends 12 hours a week on data entry",
                story: Story::Qualified,
                contacts: [
                    contact(
                        "Renee Walker",
                        "Director of Claims Operations",
                        "executive",
                        "champion",
                    ),
                    contact("Thomas Grant", "COO", "c_suite", "economic_buyer"),
                    contact(
                        "Sam Lee",
                        "Enterprise Architect",
                        "manager",
                        "technical_buyer",
                    ),
                ],
            },
            AccountSpec {
                name: "Lumen Logistics",
                domain: "lumenlogistics.eu",
                industry: "Logistics",
                region: "EMEA",
                currency: "EUR",
                deal: "Lumen Logistics invoice automation",
                thousands: 140,
                stage: "discovery",
                product: 0,
                pain: "chase approvals for carrier invoices over email and pay late fees",
                metric: "late fees cost us around 60,000 euros a year",
                story: Story::Competitive,
                contacts: [
                    contact(
                        "Sanne de Vries",
                        "Finance Operations Manager",
                        "manager",
                        "champion",
                    ),
                    contact("Henrik Lund", "CFO", "c_suite", "economic_buyer"),
                    contact(
                        "Marta Nowak",
                        "IT Business Partner",
                        "manager",
                        "technical_buyer",
                    ),
                ],
            },
            AccountSpec {
                name: "Sakura Retail Group",
                domain: "sakura-retail.jp",
                industry: "Retail",
                region: "APAC",
                currency: "USD",
                deal: "Sakura supplier onboarding",
                thousands: 180,
                stage: "qualification",
                product: 0,
                pain: "take six weeks to onboard a new supplier because the paperwork goes round in circles",
                metric: "about 200 suppliers a year wait six weeks each",
                story: Story::Early,
                contacts: [
                    contact("Yuki Tanaka", "Procurement Manager", "manager", "champion"),
                    contact(
                        "Hiroshi Sato",
                        "Chief Procurement Officer",
                        "c_suite",
                        "economic_buyer",
                    ),
                    contact("Kenji Mori", "IT Manager", "manager", "technical_buyer"),
                ],
            },
            AccountSpec {
                name: "Crescent Health",
                domain: "crescenthealth.org",
                industry: "Healthcare",
                region: "AMERICAS",
                currency: "USD",
                deal: "Crescent Health referrals workflow",
                thousands: 75,
                stage: "prospecting",
                product: 0,
                pain: "lose referrals between the clinics and the hospital",
                metric: "we do not track how many referrals get lost",
                story: Story::Stalled,
                contacts: [
                    contact("Nora Haddad", "Practice Manager", "manager", "user"),
                    contact("Paul Greene", "CFO", "c_suite", "economic_buyer"),
                    contact("Luis Ortega", "IT Director", "executive", "technical_buyer"),
                ],
            },
        ],
    },
    TenantSpec {
        slug: "totogi",
        display: "Totogi",
        products: [
            ProductSpec {
                code: "TOTO-BSS",
                name: "Totogi Charging-as-a-Service",
                description: "Multi-tenant charging in the public cloud",
                list_usd: 25000,
                unit: "per_month",
                sheet: "# Totogi Charging-as-a-Service\n\nCharging and policy as a managed service \
                    on the public cloud, priced by subscriber band. No hardware, upgrades every \
                    week, migration factory for legacy charging systems.\n",
            },
            ProductSpec {
                code: "TOTO-AI",
                name: "Totogi Telco AI",
                description: "Generative AI agents for telco care and sales",
                list_usd: 9000,
                unit: "per_month",
                sheet: "# Totogi Telco AI\n\nTelco-trained AI agents for care and sales: plan \
                    changes, bill explanations, upsell offers. Deflects a third of care calls in \
                    typical deployments.\n",
            },
        ],
        competitors: [
            CompetitorSpec {
                name: "Globex",
                brief: "# Globex\n\nOn-premise charging with long upgrade cycles. Strong relationships \
                    with network teams. Counter with total cost of ownership and weekly upgrades.\n",
            },
            CompetitorSpec {
                name: "Northwind",
                brief: "# Northwind\n\nCare chatbot platform, generic rather than telco-trained. \
                    Counter with deflection rates on telco intents.\n",
            },
        ],
        reps: [
            RepSpec {
                name: "Hana Kim",
                email: "hana.kim@totogi.com",
                region: "APAC",
            },
            RepSpec {
                name: "Omar Farouk",
                email: "omar.farouk@totogi.com",
                region: "EMEA",
            },
            RepSpec {
                name: "Grace Miller",
                email: "grace.miller@totogi.com",
                region: "AMERICAS",
            },
        ],
        accounts: [
            AccountSpec {
                name: "Savanna Telecom",
                domain: "savannatel.co.ke",
                industry: "Telecommunications",
                region: "EMEA",
                currency: "USD",
                deal: "Savanna charging migration",
                thousands: 900,
                stage: "proposal",
                product: 0,
                pain: "run charging on hardware that goes out of support next year",
                metric: "the old platform costs us 1.2 million dollars a year to keep alive",
                story: Story::Competitive,
                contacts: [
                    contact(
                        "Wanjiru Kamau",
                        "Head of IT Strategy",
                        "executive",
                        "champion",
                    ),
                    contact("Peter Otieno", "CEO", "c_suite", "economic_buyer"),
                    contact(
                        "Brian Mwangi",
                        "Billing Systems Manager",
                        "manager",
                        "technical_buyer",
                    ),
                ],
            },
            AccountSpec {
                name: "Aurora Wireless",
                domain: "aurorawireless.ca",
                industry: "Telecommunications",
                region: "AMERICAS",
                currency: "USD",
                deal: "Aurora care AI",
                thousands: 260,
                stage: "solution",
                product: 1,
                pain: "have care queues of forty minutes on Mondays and customers leave",
                metric: "care costs us 9 dollars per call and we take 300,000 calls a month",
                story: Story::Qualified,
                contacts: [
                    contact(
                        "Megan Ross",
                        "Director of Customer Care",
                        "executive",
                        "champion",
                    ),
                    contact("Daniel Price", "CFO", "c_suite", "economic_buyer"),
                    contact(
                        "Ethan Clarke",
                        "Contact Centre Systems Lead",
                        "manager",
                        "technical_buyer",
                    ),
                ],
            },
            AccountSpec {
                name: "Island Connect",
                domain: "islandconnect.ph",
                industry: "Telecommunications",
                region: "APAC",
                currency: "USD",
                deal: "Island Connect prepaid charging",
                thousands: 300,
                stage: "discovery",
                product: 0,
                pain: "cannot launch regional prepaid promos because every change needs the vendor",
                metric: "each promo change costs us about 20,000 dollars in vendor fees",
                story: Story::Early,
                contacts: [
                    contact(
                        "Maria Santos",
                        "Prepaid Marketing Manager",
                        "manager",
                        "champion",
                    ),
                    contact(
                        "Jose Reyes",
                        "Chief Commercial Officer",
                        "c_suite",
                        "economic_buyer",
                    ),
                    contact("Paolo Cruz", "BSS Manager", "manager", "technical_buyer"),
                ],
            },
            AccountSpec {
                name: "Fjord Mobil",
                domain: "fjordmobil.no",
                industry: "Telecommunications",
                region: "EMEA",
                currency: "EUR",
                deal: "Fjord Mobil care AI exploration",
                thousands: 120,
                stage: "prospecting",
                product: 1,
                pain: "get the same billing questions again and again",
                metric: "we have not measured how many calls are billing questions",
                story: Story::Stalled,
                contacts: [
                    contact(
                        "Ingrid Hansen",
                        "Customer Experience Analyst",
                        "individual_contributor",
                        "user",
                    ),
                    contact("Erik Solberg", "CFO", "c_suite", "economic_buyer"),
                    contact("Nils Berg", "IT Manager", "manager", "technical_buyer"),
                ],
            },
        ],
    },
];
