"""Authority corpus for `intents.authority` + `resolve.resolve_authority`: titles and statements.

Written for these tests, in our own words. SCHEMA.md "Authority" decides the
values: titles map literally (C-level, founder, owner, VP, head of, managing
partner, general counsel -> decision_maker; any director, manager, lead,
supervisor, consultant, procurement -> influencer; intern -> end_user; other
individual contributors -> unknown); a statement beats the title; someone else
deciding or signing -> influencer with needs_approval; disclaiming any say ->
end_user with needs_approval; "my manager wants me to research options" -> needs_approval false.
"""

from __future__ import annotations

DM, INF, EU, UNK = "decision_maker", "influencer", "end_user", "unknown"

# (title field as typed, seniority, role)
TITLES = [
    ("CEO", "c_level", DM),
    ("Chief Operating Officer", "c_level", DM),
    ("Chief Nursing Officer", "c_level", DM),
    ("CHRO", "c_level", DM),
    ("President", "c_level", DM),
    ("Managing Director", "c_level", DM),
    ("Co-founder & CEO", "c_level", DM),
    ("Founder", "founder", DM),
    ("cofounder / head of product", "founder", DM),
    ("Owner", "owner", DM),
    ("Owner/Operator", "owner", DM),
    ("Shop Owner", "owner", DM),
    ("Managing Partner", "owner", DM),
    ("Partner", "owner", DM),
    ("VP Sales", "vp", DM),
    ("SVP, Customer Operations", "vp", DM),
    ("EVP Finance", "vp", DM),
    ("Vice President of Engineering", "vp", DM),
    ("Head of Growth", "head", DM),
    ("Head of IT & Security", "head", DM),
    ("General Counsel", "head", DM),
    ("Director of Sales", "director", INF),
    ("IT Director", "director", INF),
    ("Executive Director", "director", INF),
    ("Assistant Vice President", "director", INF),
    ("Chief of Staff", "director", INF),
    ("Sr. Engineering Manager", "manager", INF),
    ("Office Manager", "manager", INF),
    ("Manager, Revenue Systems", "manager", INF),
    ("Partner Marketing Manager", "manager", INF),
    ("Team Lead, Payroll", "lead", INF),
    ("Lead Developer", "lead", INF),
    ("Warehouse Supervisor", "supervisor", INF),
    ("Senior Consultant", "consultant", INF),
    ("Freelance IT consultant", "consultant", INF),
    ("Procurement Analyst", "procurement", INF),
    ("Strategic Sourcing Manager", "procurement", INF),
    ("Buyer", "procurement", INF),
    ("Marketing Intern", "intern", EU),
    ("Summer Intern, Finance", "intern", EU),
    ("Platform Engineer", "ic", UNK),
    ("Senior Accountant", "ic", UNK),
    ("Dispatch Coordinator", "ic", UNK),
    ("Systems Administrator", "ic", UNK),
    ("Financial Controller", "ic", UNK),
    ("Assistant to the CEO", "ic", UNK),
    ("Executive Assistant to the Managing Director", "ic", UNK),
    ("Product Owner", "ic", UNK),
    ("Lead Generation Specialist", "ic", UNK),
    ("Graduate Student", "student", UNK),
    ("PhD Candidate", "student", UNK),
    # Other languages
    ("Geschäftsführer", "c_level", DM),
    ("Geschäftsführerin", "c_level", DM),
    ("Directeur général", "c_level", DM),
    ("Directora General", "c_level", DM),
    ("Amministratore Delegato", "c_level", DM),
    ("Inhaber", "owner", DM),
    ("Eigenaar", "owner", DM),
    ("Sócio-Gerente", "owner", DM),
    ("Fundadora", "founder", DM),
    ("Leiter IT", "head", DM),
    ("Gerente de Operaciones", "manager", INF),
    ("Directora de Marketing", "director", INF),
    ("Responsable logistique", "manager", INF),
    ("Responsabile acquisti", "manager", INF),
    ("Teamleider klantenservice", "lead", INF),
    ("Praktikantin", "intern", EU),
    ("Ingeniero de datos", "ic", UNK),
]

# A title field with words we do not know: present, role unknown, title kept.
UNKNOWN_TITLES = ["Evangelist & Storyteller", "Growth Hacker", "Wrangler of Things"]

# Values that say nothing: no authority at all.
JUNK_TITLES = ["n/a", "-", "none", "test", "123", "  "]

# (free text, role, needs_approval, title or None)
STATEMENTS = [
    # own title in free text
    ("I'm the CTO of a 40-person insurer and we need a new claims portal.", DM, False, "CTO"),
    ("As head of ops I'm reviewing how we dispatch our vans.", DM, False, "head of ops"),
    ("Owner here. Our bakery needs 3,000 printed boxes a month.", DM, False, "Owner"),
    ("I'm one of the techs at a small plumbing outfit.", UNK, False, "techs"),
    ("I'm a payroll specialist at a hospital group.", UNK, False, "payroll specialist"),
    ("I'm the IT manager at a chain of dental clinics.", INF, False, "IT manager"),
    ("I'm the operations director for three hotels.", INF, False, "operations director"),
    ("I'm a freelance consultant helping a retailer pick a helpdesk.", INF, False, "freelance consultant"),
    ("I'm a summer intern in the finance team.", EU, False, "summer intern"),
    (
        "My title is procurement specialist and I collect quotes for the plant.",
        INF,
        False,
        "procurement specialist",
    ),
    ("Been a field technician for nine years, looking for a change.", UNK, False, "field technician"),
    ("Thanks, Mira (clinic manager)", INF, False, "clinic manager"),
    (
        "We need a new rota tool.\n\nKind regards,\nLea Novak\nHead of People\nNorthfold",
        DM,
        False,
        "Head of People",
    ),
    (
        "Quick question about pricing.\nJonas Berg, Finance Director, Fjordline",
        INF,
        False,
        "Finance Director",
    ),
    ("This is Priya from Castlebay, the IT director.", INF, False, "IT director"),
    ("Hi, are you hiring? Payroll specialist, 6 years in healthcare.", UNK, False, "Payroll specialist"),
    ("I work as a field technician and our dispatch is chaos.", UNK, False, "field technician"),
    ("We're the owners of a small cafe and need a new till.", DM, False, "owners"),
    ("Soy la directora general de una cadena de farmacias.", DM, False, "directora general"),
    ("Ich bin der Geschäftsführer eines kleinen Handwerksbetriebs.", DM, False, "Geschäftsführer"),
    # runs or owns the business
    ("I run a 3-person design agency and need a project tool.", DM, False, None),
    ("I own two dog grooming salons in Leeds.", DM, False, None),
    ("I run operations for our three car washes.", DM, False, None),
    ("My wife and I own a small bed and breakfast.", DM, False, None),
    ("We own three franchise gyms in Ohio.", DM, False, None),
    ("My partner and I, we're the decision makers.", DM, False, None),
    ("I manage the front office team at a vet clinic.", INF, False, None),
    ("I lead the data platform team.", INF, False, None),
    ("I'm in charge of purchasing for a chain of garden centres.", INF, False, None),
    ("I'm responsible for IT at a primary school.", DM, False, None),
    # decides or signs
    ("I sign off on all software purchases here.", DM, False, None),
    ("I'm the one signing the contract.", DM, False, None),
    ("The final say is mine.", DM, False, None),
    ("I'm the final decision maker for this budget.", DM, False, None),
    ("It's my call in the end, budget is mine.", DM, False, None),
    ("I have signing authority up to 50k.", DM, False, None),
    ("I make all the buying decisions for the shop.", DM, False, None),
    # someone else decides
    ("My boss decides which tools we buy.", INF, True, None),
    ("She'll make the call once we have two quotes.", INF, True, None),
    ("Our CFO signs anything over five thousand.", INF, True, None),
    ("We'd need CFO approval before committing.", INF, True, None),
    ("Anything like this has to go through procurement.", INF, True, None),
    ("The board will have the final say.", INF, True, None),
    ("My manager is the final approver on vendors.", INF, True, None),
    ("Let me check it with our managing partner before anything is signed.", INF, True, None),
    ("It's really up to my director.", INF, True, None),
    ("Pending budget approval from head office.", INF, True, None),
    ("Board approval is required for anything this size.", INF, True, None),
    ("In the end it's our owner's call.", INF, True, None),
    ("The decision maker is our finance director.", INF, True, None),
    ("I'll pass it on, he's the one who signs.", INF, True, None),
    ("They will make the final decision after the pilot.", INF, True, None),
    ("I'm collecting quotes; the final decision is hers.", INF, True, None),
    # disclaims a say
    ("Honestly it's not my call.", EU, True, None),
    ("I'm not the decision maker.", EU, True, None),
    ("I'm just a QA tester, our head of engineering would have to sign off.", EU, True, "QA tester"),
    ("I'd use it, not buy it.", EU, True, None),
    ("I don't have any say in what we buy.", EU, True, None),
    ("I'm only an end user of the scheduling side.", EU, True, None),
    ("I'd be using it daily but I'm not the one buying.", EU, True, None),
    # disclaims the decision but evaluates or recommends
    ("I don't have final say on purchases, but I'll be the one presenting it to him.", INF, True, None),
    ("Not my decision, I'll recommend one and our COO signs.", INF, True, None),
    # evaluates or recommends (no approval said)
    ("I'm compiling a comparison for our COO.", INF, False, None),
    ("My manager wants me to research scheduling software for the depot.", INF, False, None),
    ("I'll show it to our CFO next week.", INF, False, None),
    ("I've been tasked with finding a new payroll provider.", INF, False, None),
    ("I'm on the selection committee for the new ERP.", INF, False, None),
    ("I'm leading the vendor selection for our CRM.", INF, False, None),
    ("I'm advising a family-owned brewery on their options.", INF, False, None),
]

# (title field, message, role, needs_approval): a statement beats the title.
COMBINED = [
    ("VP Operations", "I'm putting together a shortlist for our CEO, she decides.", INF, True),
    ("Data Analyst", "I'm putting together a comparison of tools for my manager.", INF, False),
    ("Operations Manager", "I sign off on anything under 20k myself.", DM, False),
    ("Office Manager", "Not my call, the partners decide.", INF, True),
    ("Support Agent", "Not my call, the partners decide.", EU, True),
    ("CEO", "We need a dispatch tool for 30 vans.", DM, False),
    ("Payroll Coordinator", "We onboard 80 people every spring.", UNK, False),
    ("Head of Finance", "Our CFO would countersign but the budget is mine.", DM, True),
    ("CEO", "The board has to approve anything over 100k.", DM, True),
    ("VP Engineering", "Our CFO signs off on all new vendors.", INF, True),
]

# (bot or agent question, visitor answer, role, needs_approval)
CHAT = [
    ("Are you the one who signs off on purchases?", "yes", DM, False),
    ("Are you the decision maker here?", "that's me", DM, False),
    ("Who would sign off on this purchase?", "me", DM, False),
    ("Will you be the one approving the spend?", "yep, all mine", DM, False),
    ("Who makes the final call on tooling?", "me and my cofounder", DM, False),
    ("Would you be the one approving this?", "no, my manager does", INF, True),
    ("Are you the one who signs off?", "not me, the owner", INF, True),
    ("Who would sign off on the purchase?", "our COO", INF, True),
    (
        "Who decides on this purchase?",
        "me, operations manager. the board countersigns anything over 50k",
        DM,
        True,
    ),
    ("What's your role?", "ops manager at a 3PL", INF, False),
    ("What do you do there?", "I'm the clinic owner", DM, False),
    ("Who should we send the proposal to?", "me, Sam Ortiz, purchasing lead", INF, False),
    ("Do you make the final call on software?", "yes, I'm the finance controller", DM, False),
]

# The same terse answers after a question that is not about authority: nothing.
CHAT_NEGATIVES = [
    ("Would you like me to book a call?", "yes"),
    ("Can I email you our guide?", "sure"),
    ("Is the incident still active?", "no"),
    ("Do you have a budget range in mind?", "not me"),
]

# Messages that say nothing about the writer's role or buying power.
NEGATIVES = [
    "We need a CRM for 12 reps.",
    "Please send pricing.",
    "Our managers approve time off requests in a spreadsheet.",
    "We need an approval workflow where the CFO signs off on invoices over 10k.",
    "Can your tool route expense approvals to the right manager?",
    "I know nothing about SSO, no idea where to start.",
    "Could you introduce me to your CEO?",
    "As soon as possible please.",
    "Such as a project manager view?",
    "Our previous agency's founder left.",
    "I'm looking for a consultant to help with our migration.",
    "I'm interested in the owner dashboard.",
    "We are a 20-person team in Porto.",
    "Can you help our office manager with payroll?",
    "I'm writing on behalf of our CEO's office.",
    "I sign up for every webinar you run.",
    "Does the manager app support shift swaps?",
    "As a result we lost two days of orders.",
    "Who decides the release schedule at your company?",
    "Happy to hop on a call with your head of product.",
]

# (text, evidence the merged finding must include)
IN_SENTENCE = [
    ("Hi! I'm the lab supervisor at a regional hospital.", "lab supervisor"),
    ("Two warehouses here. I'm the person who approves this kind of spend.", "I'm the person who approves"),
    ("Honestly, our CFO signs anything over 5k.", "our CFO signs"),
    ("Sorry, not my call really.", "not my call"),
    ("Hey, I'm Dana, the head of finance at a tile importer.", "head of finance"),
]
