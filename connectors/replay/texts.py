"""Text banks for the replay corpus. Written for this project; every person, pupil,
handle and phone number is invented (phone numbers are in Ofcom's drama range).

The classifier is scored on these, so each category is unmistakable to a human reader:
complaints complain, abuse abuses a member of staff, bullying targets a named pupil,
safeguarding items describe a child at risk.
"""

from __future__ import annotations

STAFF = {
    "oakfield": {"head": "Mrs Grant", "teacher": "Miss Blake", "deputy": "Mr Hughes"},
    "millbrook": {"head": "Mr Vaughan", "teacher": "Mr Denton", "deputy": "Ms Lin"},
    "harbourside": {"head": "Mrs Fenwick", "teacher": "Mr Price", "deputy": "Mr Carter"},
}

PUPILS = {
    "oakfield": "Tyler Mason",
    "millbrook": "Jayden Cole",
    "harbourside": "Ellie Parks",
}

QUESTIONS = [
    "What time does the Christmas fair start on Saturday? Can we bring younger siblings?",
    "Is school open tomorrow with the weather warning? Nothing on the website yet.",
    "When are parents' evening appointments released? The booking link just says closed.",
    "My son left his PE bag on the field after football. Has anyone handed it in?",
    "Does breakfast club have spaces from January? We both start earlier shifts.",
    "Can you confirm the date for the flu nasal spray? The letter says the 17th but the app "
    "says the 19th.",
    "Do the children need a packed lunch for the museum trip on Thursday?",
    "Where do we drop off donations for the food bank collection?",
    "Is the after-school coding club still running this half term?",
    "How do I top up dinner money now the old app has gone?",
    "What's the rule on earrings for PE? She's just had them pierced.",
    "Is there a uniform swap shop this term? They grow out of everything so fast.",
    "Will the nativity be filmed? Grandparents can't travel this year.",
    "Is the bus from Eastfield running late again? Nobody has told us anything.",
    "When do the autumn reports come out?",
    "Are parents welcome at the Remembrance assembly?",
    "Who should I speak to about applying for free school meals?",
    "Can Year 11 still book a careers interview before the mocks?",
    "Is it non-uniform day on Friday?? 🎄🎅 the kids are SO excited 😂",
    "Has the date for the Year 6 residential been confirmed? Need to book time off work.",
    "Do you still need volunteers for reading on Wednesday mornings?",
    "Is the library open at lunch for Year 8s or only Year 7?",
    "What do they need for the Diwali craft afternoon? 🪔",
    "Where can I find the homework timetable for Year 9? The link in the newsletter is broken.",
    "Is the gate on Mill Lane open in the mornings now or only the main entrance?",
    "Any news on when the new sports hall opens?",
    "السلام عليكم، هل المدرسة مفتوحة يوم الاثنين؟ ابني عنده موعد في المستشفى صباحاً",
    "کیا کل سکول میں یونیفارم ضروری ہے یا نان یونیفارم ڈے ہے؟ شکریہ",
    "Dzień dobry, czy jutro jest zebranie z rodzicami? Nie dostałam wiadomości ze szkoły.",
    "مرحبا، كيف أسجل ابنتي في نادي ما بعد المدرسة؟ 🙏",
]

COMPLAINTS = {
    "uniform": [
        "£38 for a blazer that only one shop sells is ridiculous. Please allow supermarket "
        "alternatives, families are really struggling this winter.",
        "My daughter was sent to isolation for wearing the wrong colour socks. Is that really "
        "the priority when half the heating doesn't work?",
        "Third change to the PE kit in two years. Who do you think is paying for all this?",
        "Sent home for having the 'wrong' black trousers. They are black trousers. This uniform "
        "policy is beyond a joke.",
    ],
    "parking": [
        "Parents parking across driveways on Elm Road again at pick-up. Someone is going to get "
        "hurt and the school does nothing about it.",
        "Third time this week I couldn't get my car off my own drive because of the school run. "
        "I've reported it to the council as well.",
        "Cars on the zig zags every single morning and nobody from the school says a word. A "
        "child nearly got hit outside the gate today.",
        "The staff car park gate was locked again so parents had to park on the pavement. "
        "Absolute chaos this morning and a real danger to the little ones.",
    ],
    "send": [
        "My son's EHCP says one-to-one support in literacy. He has had none since September. "
        "I have emailed the SENCo four times and had no reply. This is a legal document.",
        "Nobody will tell me what SEND provision my daughter is actually getting. She masks all "
        "day and falls apart at home every evening. We need a meeting, not another leaflet.",
        "We were promised a sensory room in September. It is still a storage cupboard. Autistic "
        "children deserve better than this.",
        "My son has ADHD and keeps being put in detention for fidgeting. His support plan says "
        "movement breaks. Staff clearly haven't read it.",
    ],
    "lunches": [
        "Kids are being served cold pasta and half a jacket potato. £2.60 a day for that?",
        "My son is coeliac and was given an ordinary sandwich AGAIN. Second time this term. It "
        "could have made him seriously ill. How is this still happening?",
        "The lunch queue is so long the younger ones get ten minutes to eat. My daughter comes "
        "home starving every day.",
        "Portions are tiny and they ran out of the hot option by 12:30 three days running.",
    ],
    "teacher": [
        "{teacher} shouted at my son in front of the whole class and called him lazy. That is "
        "not acceptable from any teacher and I want an apology.",
        "{teacher} keeps giving my daughter detentions for things other kids get away with. She "
        "feels picked on and now doesn't want to go to school.",
        "{teacher} hasn't marked a single piece of homework since October. What is the point of "
        "setting it?",
        "I've asked three times for a call back from {teacher} about my son's grades. Nothing. "
        "Very poor communication.",
    ],
}

PRAISE = [
    "Huge thank you to the staff for the Remembrance assembly. Not a dry eye in the hall.",
    "My daughter loved science week! She wants to be a volcanologist now 🌋",
    "Brilliant result for the under-12s football team today ⚽ well done everyone!",
    "The reading café this morning was lovely, thank you {teacher} 📚",
    "Really impressed with how quickly the office sorted my son's bus pass. Thank you!",
    "Just want to say the support my son has had this term has been amazing. Thank you 💙",
    "The Year 4 harvest songs were gorgeous. So proud of them 🍂",
    "Thank you {head} for taking the time to speak to us after school. It meant a lot.",
    "Best parents' evening we've had, every teacher knew exactly how he was getting on 👏",
    "Lovely to see the eco club's new garden. The children are so proud of it 🌱",
]

ABUSE = [
    "{head} is a useless, arrogant idiot who couldn't run a bath. Resign and let someone "
    "competent run the place.",
    "{teacher} is a pathetic bully and a disgrace to the profession. Absolute scumbag.",
    "Whoever runs that office is a lazy, rude waste of space. Pick up the phone for once, you "
    "clowns.",
    "{head}, you're a spineless coward hiding behind your emails. Get out of our school.",
    "I know where {teacher} parks. He'd better watch himself after what he said to my lad.",
    "Stupid useless teachers. {teacher} should be sacked, she's thick as mince and the kids "
    "know it.",
    "Shut up {head} you smug liar, nobody believes a word you say.",
]

BULLYING = [
    "Everyone knows {pupil} smells. Nobody sit with them at lunch lol",
    "{pupil} is such a freak 😂 someone film them crying in the toilets again",
    "Share this everywhere: {pupil} is a loser and their mum can't even afford proper shoes",
    "Who wants to help make {pupil}'s life hell tomorrow? 😈 meet by the bike shed",
    "{pupil} should just leave the school, literally nobody wants them there. Block and ignore",
]

BULLYING_REPLIES = [
    "😂😂 fr they're so weird",
    "leave them alone, they're literally 12. this is disgusting",
    "reported. this is bullying and the school needs to know",
    "lmaooo say it louder",
]

SAFEGUARDING = [
    "My daughter's friend told her she doesn't want to go home because her stepdad hits her. "
    "I don't know who to tell. Can someone from the school ring me urgently?",
    "There's a Year 10 girl posting that she wants to end it all and has been cutting herself. "
    "Please can someone check on her today, I'm really worried.",
    "A man in a grey van has been hanging around the gates at home time asking children if "
    "they want a lift. I've told the police but please warn parents.",
    "Worried about a little boy who's out on his own every night till late. He's only about 8 "
    "and told my son there's no food at home.",
    "A pupil told my son an older man online has been asking her for photos and wants to meet "
    "her this weekend. Please act on this.",
]

JOURNALIST = [
    "Hi, I'm a reporter at the Riverbend Echo writing about parents' concerns over SEND "
    "support. Could someone from the school give us a comment by 4pm tomorrow? Email in bio.",
    "Riverbend Echo here: we've been contacted by several parents about lunch provision. "
    "Would the school like to comment before we publish on Friday?",
]

SPAM = [
    "🔥 Make £500 a day from home, no experience needed!! DM me now 💸 {tag}",
    "Crypto giveaway!!! Send 0.1 ETH get 1 ETH back 💰💰 link in bio {tag}",
    "Cheap school uniform direct from the factory 👕 WhatsApp 07700 900123 {tag}",
    "WIN a free iPad for your child's school 🎁 click the link in my profile {tag}",
    "Followers for sale, 10k for £5, instant delivery 🚀 {tag}",
]

SCHOOL_POSTS = [
    "Reminder: Friday is non-uniform day for Children in Need. £1 donation please 💛",
    "Parents' evening bookings are open until Wednesday. Link in the newsletter.",
    "Our Year 5s had a fantastic visit to the Riverbend Museum today 🏛️",
    "Flu nasal spray vaccinations are on Tuesday. Please return consent forms.",
    "Christmas fair: Saturday 28 November, 11am to 2pm. Donations for the tombola welcome 🎄",
    "Congratulations to our netball team, through to the county semi-finals! 🏐",
    "Road safety: please do not park on the zig zags or across driveways at pick-up.",
    "Two minutes' silence at 11am today. Thank you to the veterans who visited us.",
    "Harvest food bank collection: donations to the main office by Friday please.",
    "Anti-Bullying Week: our theme this year is 'Choose Respect'. 💙",
    "Well done to everyone who took part in the sponsored walk, £1,240 raised!",
    "Reading challenge: 12 days left. Keep those reading records coming in 📚",
]

REPLIES = {
    "question": [
        "Hi, thanks for asking! It's in Monday's letter and we'll pop it on the app today too.",
        "Good question. The office will email all families about this tomorrow morning.",
        "Yes, that's right. Any problems, give the office a ring and we'll help.",
        "Thanks for getting in touch. Please email the office and the team will sort it.",
        "Hi! Younger siblings are very welcome. See you there 😊",
    ],
    "complaint": [
        "We're sorry to hear this. Please contact the office so we can talk it through properly; "
        "we can't discuss individual pupils online.",
        "Thank you for raising this. The head of year will call you tomorrow.",
        "We understand your frustration. We've passed this to the senior team and will be in "
        "touch directly.",
    ],
    "parking": [
        "Thank you. We've shared this with the council and a PCSO will be at pick-up this week.",
    ],
    "safeguarding": [
        "Thank you for telling us. Our Designated Safeguarding Lead will contact you directly "
        "today. If a child is in immediate danger please call 999.",
        "Thank you, we take this very seriously. Please DM us your number and our safeguarding "
        "lead will call you. In an emergency call 999.",
    ],
    "journalist": [
        "Thanks for getting in touch. Media enquiries go to the trust's press office: "
        "press@riverbend.example.org.",
    ],
    "praise": [
        "Thank you so much! We'll pass this on to the whole team 💙",
        "That's lovely to hear, thank you for sharing!",
    ],
    "abuse": [
        "We welcome feedback, but not abuse of our staff. Please contact the office if you "
        "have a concern.",
    ],
    "bullying": [
        "We do not tolerate bullying. This has been reported to the school and will be dealt "
        "with. Please do not share it further.",
    ],
}

FOLLOW_UPS = [
    "Thanks, that's really helpful.",
    "Still waiting for that call by the way.",
    "Great, thank you!",
    "That doesn't answer my question at all.",
    "Appreciate the quick reply 👍",
    "Emailed, no response yet.",
]

COMMUNITY = [
    "Same here, we've had exactly the same problem.",
    "Ours loved it too!",
    "Has anyone else heard anything about this?",
    "Agree with this 100%",
    "Worth emailing the governors as well.",
    "Thanks for posting, I was wondering the same thing.",
]

REVIEWS = {
    "positive": [
        "Caring staff who know every child. Our two have thrived here.",
        "Brilliant SEND support, the team really listens. Would recommend to anyone.",
        "Friendly, well run and the children are happy. What more do you want?",
    ],
    "negative": [
        "Complaints go nowhere. Uniform rules matter more than learning here.",
        "Awful communication and the parking outside is dangerous. Would not recommend.",
    ],
}

LONG_POST = (
    "Long post, sorry. I want to set out properly what has happened with my son's support this "
    "term because I've run out of other ways to be heard. In September we were told his one-to-"
    "one hours would start in the second week. They didn't. In October we were told a new "
    "teaching assistant had been appointed. She left after nine days. Since then he has sat at "
    "the back of lessons he can't access, and he comes home and says he is stupid. He is not "
    "stupid. He is eight and he is being failed. I have asked for a meeting with the SENCo and "
    "the head four times in writing. I have copies of every email. I am asking again, publicly, "
    "because nothing else works: please meet with us this week, and please tell us in writing "
    "what support he will actually get and when it starts. Other parents have told me they are "
    "in the same position. We are not the enemy; we just want our children taught."
)
