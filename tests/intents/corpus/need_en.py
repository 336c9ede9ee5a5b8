"""Need corpus for `intents.need` + `resolve.resolve_need`, written for these tests in our own words.

SCHEMA.md "need": a concrete problem, use case, project or product interest of
their own (a consultant's client's need counts); not "send info", "pricing?", a
bare plan, trial, price or case-study question, nor a product dropdown alone.
For support, a problem (error, lock-out, wrong charge) is a need; a how-to
question or an account chore (cancel, export, add a user, resend an invoice) is not.
"""

from __future__ import annotations

# Messages that state a need (form message field).
POSITIVES = [
    "We are migrating 40 TB of archive footage to the cloud this spring.",
    "Need a CRM for 12 field sales reps.",
    "We want to replace our spreadsheets for dispatching 30 technicians.",
    "Looking for a studio to redesign our donor portal.",
    "Our payroll runs on paper timesheets and it takes two days every fortnight.",
    "Purchase order tracking is a total mess, everything lives in one giant spreadsheet.",
    "We'd love a proper booking calendar for our two yoga studios.",
    "Can you print 7,500 gift sleeves with our logo each quarter?",
    "I'm helping a family-run winery choose a new ordering system.",
    "We need a penetration test of our new booking API before launch.",
    "Interested in load planning for our 14 refrigerated trucks.",
    "Our safety inspection forms are kept in binders in the site office.",
    "Rooms get double-booked across our 4 offices every week.",
    "Quote for 12,500 printed shipping labels, please.",
    "We have to become HIPAA compliant before the hospital pilot starts.",
    "Our warehouse team spends hours reconciling stock counts every week.",
    "does your team handle email archiving for legal holds? we're about 90 staff",
    "We're moving our accounting database from an office server to AWS.",
    "we don't need invoicing, only inventory counts for our 3 bars",
    "We're evaluating contract management tools for our legal team.",
    "Yearly ISO 27001 audit support for our clinic group.",
    "An independent security review of our mobile banking app.",
    "Tracking hours for 25 lifeguards across 6 pools.",
    "Buscamos un sistema de inventario para nuestras cuatro ferreterías.",
    "Für unsere drei Bäckereien brauchen wir ein Kassensystem mit Lagerverwaltung.",
    "Nous cherchons un outil de planification pour 40 techniciens.",
    "Precisamos organizar as entregas da padaria por aplicativo.",
    "We zoeken een boekhoudpakket voor onze vijf winkels.",
    "Cerchiamo un gestionale per le prenotazioni del nostro agriturismo.",
]

# Support messages with a problem: a need.
SUPPORT_PROBLEMS = [
    "Since the update, our drivers get an error when they try to clock in.",
    "Our card was billed twice this month.",
    "Our calendar integration keeps throwing errors since the last release.",
    "The verification code never shows up on my phone.",
    "Report generation times out every time we pick a full year.",
    "Nobody on our team can open the reports since our only admin was removed.",
    "La sincronización con el ERP no funciona desde ayer.",
    "Die Schnittstelle zum Lager funktioniert nicht mehr.",
]

# Not a need: vague interest, bare price/plan/trial/info questions, chores, how-to questions.
NEGATIVES = [
    "pricing?",
    # Test-driving the product is not a need (SCHEMA: a trial question is not one).
    "Hi, we mostly want to try it out before anyone commits to anything.",
    "We'd like to give it a spin with two colleagues first.",
    "I'd like to take a look around the dashboard on my own.",
    "Could you email me some more information?",
    "Keen to learn more about what you do at some point.",
    "Growth vs Scale plan, which one fits us?",
    "only browsing for now, what does your tool actually do?",
    "Please share your latest price list.",
    "Just curious what you offer.",
    "Any customer success stories from logistics firms?",
    "rough price for a logo refresh?",
    "Is there a free trial?",
    "How much is it per user?",
    "Can someone give me a call?",
    "I'd like a demo.",
    "We're looking for a solution.",
    "We need more info before we decide anything.",
    "Send over your brochure and rates please.",
    "What does the premium plan cost?",
    "Can I get a quote?",
    "Do you have a partner program?",
    "Just looking around for now, thanks!",
    "Our current system works fine for us; not planning to change anything.",
    "We haven't figured out our requirements yet.",
    "Great webinar last week, thanks!",
    "Would love to chat at some point.",
    "We are a 20-person accounting firm in Leeds.",
    "hello",
    "test",
    "Ballpark figure for something like this?",
    "Please call me back tomorrow morning.",
    "Do you offer discounts for nonprofits?",
]

# Support chores and how-to questions: not a need.
SUPPORT_CHORES = [
    "Kindly cancel the plan once our yearly renewal comes round.",
    "Is there a way to download every receipt as a spreadsheet?",
    "Can you resend last month's invoice to accounts@example.com?",
    "Where do I go to add a seat for the new bookkeeper?",
    "Please update the card on file for our account.",
    "Where can I find the API key?",
    "Could you change the admin on our account to my colleague?",
    "I'd like to close my account.",
]

# (message, the evidence the chosen need must be): the most specific clause, from its cue on.
IN_SENTENCE = [
    ("Hi there. We need a CRM for 12 field reps. Can we talk Tuesday?", "need a CRM for 12 field reps"),
    (
        "Thanks! Shift handovers are a nightmare across our two kitchens.",
        "Shift handovers are a nightmare across our two kitchens",
    ),
    (
        "Please call me. We're looking to automate supplier statements for 6 branches.",
        "looking to automate supplier statements for 6 branches",
    ),
    (
        "Hello team, our maintenance requests still come in on sticky notes.",
        "our maintenance requests still come in on sticky notes",
    ),
    (
        "Pricing? Also we want to move our ticketing site off shared hosting.",
        "want to move our ticketing site off shared hosting",
    ),
]

# Multi-turn chats: (visitor turns interleaved with bot questions, present?)
CHATS = [
    (
        [
            "hi",
            "What are you hoping to solve?",
            "tracking loaner equipment for our physio clinic, it's all on paper",
        ],
        True,
    ),
    (["hello", "What brings you here today?", "meal planning for 2 care homes"], True),
    (["pricing?", "Sure! What are you hoping to solve?", "only the price please"], False),
    (["hi", "What can I help you with?", "just having a look"], False),
    (["free trial?", "Yes! Anything specific you're trying to fix?", "no, only looking"], False),
    (
        ["Could you email an overview of your services?", "Happy to. What's your email?", "sam@example.com"],
        False,
    ),
]
