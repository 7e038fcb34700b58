"""Write the replay corpus for the example trust (config/trust.example.yaml), deterministically.

    python -m connectors.replay.build_corpus        # rewrites connectors/replay/corpus/

Seeded, so the output is byte-for-byte the same on every run; the generated JSON is
committed. Items span 2-24 November 2026 (weekends included; Oakfield's INSET day is
Monday 23 November) plus a thread around the summer bank holiday, Monday 31 August 2026,
so response clocks meet weekends, a bank holiday and a school closure. Schools answer
after minutes, hours or days, during their working hours only, and some threads are
never answered. Every item is written in its platform's wire format (X API v2 pages,
Graph API pages, Reddit listings) and read back by the same parsers as the live streams.

`labels.json` beside the pages records what each item was written to be (question,
complaint, abuse, bullying, safeguarding, ...) for anyone evaluating the classifier.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from connectors.replay import texts as T

SEED = 20261102
LONDON = ZoneInfo("Europe/London")
OUT = Path(__file__).resolve().parent / "corpus"
TWITTER_EPOCH_MS = 1288834974657
BANK_HOLIDAYS = {dt.date(2026, 8, 31), dt.date(2026, 12, 25), dt.date(2026, 12, 28)}
NOV_DAYS = [dt.date(2026, 11, 2) + dt.timedelta(days=i) for i in range(21)]  # 2..22 Nov


@dataclass(frozen=True)
class School:
    key: str
    name: str
    x_id: str
    x_handle: str
    fb_id: str
    fb_name: str
    keywords: tuple[str, ...]
    hashtag: str
    closures: frozenset[dt.date] = frozenset()


SCHOOLS = [
    School(
        "oakfield",
        "Oakfield Primary Academy",
        "1500000000000000001",
        "OakfieldPrimary",
        "100000000000101",
        "Oakfield Primary Academy",
        ("Oakfield Primary", "Oakfield Academy"),
        "#OakfieldPrimary",
        frozenset({dt.date(2026, 11, 23)}),
    ),
    School(
        "millbrook",
        "Millbrook High School",
        "1500000000000000002",
        "MillbrookHigh",
        "100000000000202",
        "Millbrook High School",
        ("Millbrook High", "Millbrook School"),
        "#MillbrookHigh",
    ),
    School(
        "harbourside",
        "Harbourside Academy",
        "1500000000000000003",
        "HarboursideAcad",
        "100000000000303",
        "Harbourside Academy",
        ("Harbourside Academy",),
        "#HarboursideAcademy",
    ),
]
REDDIT_OFFICIAL = "MillbrookHighOfficial"

FIRST = [
    "Jess",
    "Dave",
    "Priya",
    "Tom",
    "Aisha",
    "Gemma",
    "Marek",
    "Sophie",
    "Kwame",
    "Lauren",
    "Hassan",
    "Nicola",
    "Craig",
    "Fatima",
    "Ben",
    "Zara",
    "Owen",
    "Chloe",
    "Imran",
    "Beth",
    "Agnieszka",
    "Liam",
    "Yasmin",
    "Rachel",
    "Dan",
    "Amira",
    "Gareth",
    "Leanne",
    "Sanjay",
    "Kelly",
]
LAST = [
    "Morris",
    "Khan",
    "Walsh",
    "Patel",
    "Hughes",
    "Nowak",
    "Evans",
    "Mensah",
    "Clarke",
    "Ali",
    "Booth",
    "Reid",
    "Shah",
    "Turner",
    "Lewis",
    "Begum",
    "Price",
    "Kowalski",
    "Ward",
    "Dunn",
]


@dataclass
class Person:
    name: str
    handle: str
    x_id: str
    fb_id: str
    reddit: str


@dataclass
class Msg:
    """One message before rendering: who, when, what, and what it was written to be."""

    author: Person | School
    at: dt.datetime
    text: str
    label: str
    replies: list[Msg] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)


class Corpus:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.people = self._people()
        self.labels: dict[str, str] = {}
        self.counter = 0

    # -- people and clocks -------------------------------------------------------------

    def _people(self) -> list[Person]:
        rng = random.Random(SEED + 1)
        people = []
        seen: set[str] = set()
        while len(people) < 70:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            style = rng.randrange(4)
            handle = [
                f"{first}{last}{rng.randrange(10, 99)}",
                f"{first.lower()}_{last.lower()}",
                f"{first}Mum{rng.randrange(1, 9)}"
                if rng.random() < 0.5
                else f"{first}Dad{rng.randrange(1, 9)}",
                f"Riverbend{first}",
            ][style]
            if handle.lower() in seen:
                continue
            seen.add(handle.lower())
            n = len(people)
            people.append(
                Person(
                    name=f"{first} {last}",
                    handle=handle,
                    x_id=str(1600000000000000000 + 7919 * (n + 1)),
                    fb_id=str(10000700000000 + 1013 * (n + 1)),
                    reddit=handle.replace("_", "-")
                    if style != 1
                    else f"{first.lower()}{last.lower()}_{n}",
                )
            )
        return people

    def person(self) -> Person:
        return self.rng.choice(self.people)

    def moment(self, day: dt.date, start_hour: int = 6, end_hour: int = 23) -> dt.datetime:
        minute = self.rng.randrange(start_hour * 60, end_hour * 60)
        local = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=LONDON)
        return local.astimezone(dt.UTC)

    def working(self, moment: dt.datetime, school: School) -> bool:
        local = moment.astimezone(LONDON)
        day = local.date()
        if local.weekday() >= 5 or day in BANK_HOLIDAYS or day in school.closures:
            return False
        return dt.time(7, 45) <= local.time() <= dt.time(17, 30)

    def answer_at(self, after: dt.datetime, school: School, speed: str) -> dt.datetime:
        """When the school answers: a delay, then pushed into its next working hours."""
        delay = {
            "minutes": dt.timedelta(minutes=self.rng.randrange(4, 55)),
            "hours": dt.timedelta(minutes=self.rng.randrange(70, 420)),
            "slow": dt.timedelta(hours=self.rng.randrange(26, 52)),
        }[speed]
        moment = after + delay
        while not self.working(moment, school):
            local = moment.astimezone(LONDON)
            day_off = local.weekday() >= 5 or local.date() in BANK_HOLIDAYS
            if local.time() > dt.time(17, 30) or day_off or local.date() in school.closures:
                nxt = dt.datetime.combine(
                    local.date() + dt.timedelta(days=1), dt.time(8, 0), tzinfo=LONDON
                )
            else:
                nxt = dt.datetime.combine(local.date(), dt.time(8, 0), tzinfo=LONDON)
            moment = (nxt + dt.timedelta(minutes=self.rng.randrange(5, 95))).astimezone(dt.UTC)
        return moment

    def speed(self, label: str) -> str | None:
        """How fast (or whether) a school answers an item of this kind."""
        roll = self.rng.random()
        if label in ("spam", "bullying"):
            return None if roll < 0.8 else "hours"
        if label == "abuse":
            return None if roll < 0.6 else "hours"
        if label == "safeguarding":
            return "minutes" if roll < 0.8 else "hours"
        if roll < 0.12:
            return None
        return "minutes" if roll < 0.45 else "hours" if roll < 0.8 else "slow"

    def fill(self, text: str, school: School) -> str:
        staff = T.STAFF[school.key]
        return text.format(
            head=staff["head"],
            teacher=staff["teacher"],
            pupil=T.PUPILS[school.key],
            tag=school.hashtag,
            school=school.name,
        )

    def pick(self, label: str, school: School) -> str:
        rng = self.rng
        if label == "question":
            return rng.choice(T.QUESTIONS)
        if label.startswith("complaint"):
            topic = label.split(":", 1)[1]
            return self.fill(rng.choice(T.COMPLAINTS[topic]), school)
        bank = {
            "praise": T.PRAISE,
            "abuse": T.ABUSE,
            "bullying": T.BULLYING,
            "safeguarding": T.SAFEGUARDING,
            "journalist": T.JOURNALIST,
            "spam": T.SPAM,
        }[label]
        return self.fill(rng.choice(bank), school)

    def reply_text(self, label: str) -> str:
        key = label.split(":")[0]
        if label == "complaint:parking":
            key = "parking"
        return self.rng.choice(T.REPLIES.get(key, T.REPLIES["question"]))

    def root_label(self) -> str:
        return self.rng.choices(
            [
                "question",
                "complaint:uniform",
                "complaint:parking",
                "complaint:send",
                "complaint:lunches",
                "complaint:teacher",
                "praise",
                "abuse",
                "bullying",
                "safeguarding",
                "spam",
            ],
            weights=[30, 6, 6, 6, 6, 5, 14, 6, 5, 4, 5],
        )[0]

    # -- building threads --------------------------------------------------------------

    def thread(self, school: School, at: dt.datetime, label: str, text: str | None = None) -> Msg:
        """A message to the school, the school's answer (or none), maybe a follow-up."""
        author = self.person()
        root = Msg(author, at, text or self.pick(label, school), label)
        speed = self.speed(label)
        if speed is not None:
            answer = Msg(
                school, self.answer_at(at, school, speed), self.reply_text(label), "school"
            )
            root.replies.append(answer)
            if self.rng.random() < 0.3:
                later = answer.at + dt.timedelta(minutes=self.rng.randrange(10, 600))
                answer.replies.append(
                    Msg(author, later, self.rng.choice(T.FOLLOW_UPS), "follow_up")
                )
        if label == "bullying":
            for _ in range(self.rng.randrange(1, 3)):
                reply_at = at + dt.timedelta(minutes=self.rng.randrange(3, 240))
                root.replies.append(
                    Msg(
                        self.person(),
                        reply_at,
                        self.rng.choice(T.BULLYING_REPLIES),
                        "bullying_reply",
                    )
                )
        return root

    def school_post(self, school: School, at: dt.datetime, comments: int) -> Msg:
        post = Msg(school, at, self.rng.choice(T.SCHOOL_POSTS), "school")
        for _ in range(comments):
            comment_at = at + dt.timedelta(minutes=self.rng.randrange(5, 60 * 30))
            label = self.rng.choices(
                [
                    "question",
                    "praise",
                    "complaint:parking",
                    "complaint:uniform",
                    "community",
                    "abuse",
                ],
                weights=[40, 25, 8, 8, 15, 4],
            )[0]
            if label == "community":
                post.replies.append(
                    Msg(self.person(), comment_at, self.rng.choice(T.COMMUNITY), "community")
                )
            else:
                post.replies.append(self.thread(school, comment_at, label))
        return post

    # -- X -----------------------------------------------------------------------------

    def tweet_id(self, at: dt.datetime) -> str:
        self.counter += 1
        ms = int(at.timestamp() * 1000) - TWITTER_EPOCH_MS
        return str((ms << 22) + (self.counter % 4096))

    def build_x(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        pools: dict[tuple[str, str], list[dict[str, Any]]] = {}
        users: dict[str, dict[str, Any]] = {}
        for school in SCHOOLS:
            users[school.x_id] = {
                "id": school.x_id,
                "name": school.name,
                "username": school.x_handle,
            }
        threads: list[tuple[School, Msg]] = []
        for school in SCHOOLS:
            for day in NOV_DAYS:
                for _ in range(self.rng.choice([0, 1, 1, 1, 2])):
                    label = self.root_label()
                    threads.append((school, self.thread(school, self.moment(day), label)))
                if day.weekday() < 5 and self.rng.random() < 0.45:
                    at = self.moment(day, 8, 16)
                    threads.append((school, self.school_post(school, at, self.rng.randrange(0, 4))))
        # Long posts (note_tweet), the journalist, the bank-holiday and INSET threads.
        oak, mill, harb = SCHOOLS
        threads.append(
            (oak, self.thread(oak, at_local(2026, 11, 12, 21, 40), "complaint:send", T.LONG_POST))
        )
        threads.append((mill, self.thread(mill, at_local(2026, 11, 17, 15, 5), "journalist")))
        threads.append(
            (
                harb,
                self.thread(
                    harb,
                    at_local(2026, 8, 30, 20, 10),
                    "question",
                    "Does term start on Tuesday 1st or Wednesday 2nd "
                    "September? The website says both!",
                ),
            )
        )
        threads.append(
            (mill, self.thread(mill, at_local(2026, 8, 28, 17, 50), "complaint:uniform"))
        )
        threads.append(
            (
                oak,
                self.thread(
                    oak,
                    at_local(2026, 11, 22, 19, 30),
                    "question",
                    "Is the breakfast club running on the INSET day "
                    "tomorrow or is everything closed?",
                ),
            )
        )
        for school, root in threads:
            self._render_tweets(school, root, None, None, pools, users)
        for school in SCHOOLS:  # public mentions found by keyword search
            for day in NOV_DAYS:
                if self.rng.random() < 0.5:
                    continue
                label = self.rng.choice(
                    [
                        "complaint:parking",
                        "complaint:lunches",
                        "praise",
                        "abuse",
                        "bullying",
                        "spam",
                        "question",
                        "safeguarding",
                        "complaint:send",
                        "journalist",
                    ]
                )
                author = self.person()
                keyword = self.rng.choice([*school.keywords, school.hashtag])
                text = self.pick(label, school)
                text = f"{text} ({keyword})" if keyword not in text else text
                at = self.moment(day)
                tid = self.tweet_id(at)
                tweet = self._tweet(tid, author.x_id, at, text, tid)
                users[author.x_id] = x_user(author)
                pools.setdefault(("search", "recent"), []).append(tweet)
                self.labels[f"x:{tid}"] = label
        self.x_users = users
        return pools

    def _tweet(
        self,
        tid: str,
        author_id: str,
        at: dt.datetime,
        text: str,
        conversation: str,
        reply_to_user: str | None = None,
        reply_to: str | None = None,
        mentions: list[tuple[str, str]] = (),
    ) -> dict[str, Any]:
        tweet: dict[str, Any] = {
            "id": tid,
            "edit_history_tweet_ids": [tid],
            "text": text if len(text) <= 280 else text[:275] + "… " + "https://t.co/lngp0st",
            "author_id": author_id,
            "created_at": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "conversation_id": conversation,
            "lang": "en",
        }
        if len(text) > 280:
            tweet["note_tweet"] = {"text": text}
        if reply_to_user:
            tweet["in_reply_to_user_id"] = reply_to_user
        if reply_to:
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": reply_to}]
        if mentions:
            entities = []
            for username, uid in mentions:
                start = tweet["text"].find("@" + username)
                if start >= 0:
                    entities.append(
                        {
                            "start": start,
                            "end": start + len(username) + 1,
                            "username": username,
                            "id": uid,
                        }
                    )
            if entities:
                tweet["entities"] = {"mentions": entities}
        return tweet

    def _render_tweets(
        self,
        school: School,
        msg: Msg,
        parent: Msg | None,
        root_id: str | None,
        pools: dict[tuple[str, str], list[dict[str, Any]]],
        users: dict[str, dict[str, Any]],
    ) -> None:
        tid = self.tweet_id(msg.at)
        msg.ids["x"] = tid
        conversation = root_id or tid
        if isinstance(msg.author, School):
            author_id = msg.author.x_id
            mentions = []
            text = msg.text
            if parent is not None and isinstance(parent.author, Person):
                text = f"@{parent.author.handle} {text}"
                mentions = [(parent.author.handle, parent.author.x_id)]
            tweet = self._tweet(
                tid,
                author_id,
                msg.at,
                text,
                conversation,
                parent.author.x_id if parent and isinstance(parent.author, Person) else None,
                parent.ids["x"] if parent else None,
                mentions,
            )
            pools.setdefault((school.x_id, "tweets"), []).append(tweet)
        else:
            users[msg.author.x_id] = x_user(msg.author)
            text = f"@{school.x_handle} {msg.text}"
            reply_user = None
            if parent is not None:
                reply_user = parent.author.x_id
            tweet = self._tweet(
                tid,
                msg.author.x_id,
                msg.at,
                text,
                conversation,
                reply_user,
                parent.ids["x"] if parent else None,
                [(school.x_handle, school.x_id)],
            )
            pools.setdefault((school.x_id, "mentions"), []).append(tweet)
        self.labels[f"x:{tid}"] = msg.label
        for reply in sorted(msg.replies, key=lambda m: m.at):
            self._render_tweets(school, reply, msg, conversation, pools, users)

    # -- Facebook ----------------------------------------------------------------------

    def fb_id(self, prefix: str) -> str:
        self.counter += 1
        digest = hashlib.sha256(f"{SEED}:{prefix}:{self.counter}".encode()).hexdigest()
        return str(int(digest[:13], 16) % 10**15).zfill(15)

    def build_facebook(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        pools: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for school in SCHOOLS:
            for day in NOV_DAYS:
                if day.weekday() < 5 and self.rng.random() < 0.35:
                    post = self.school_post(
                        school, self.moment(day, 8, 17), self.rng.randrange(2, 7)
                    )
                    self._fb_post(school, post, "posts", pools)
                if self.rng.random() < 0.22:
                    root = self.thread(school, self.moment(day), self.root_label())
                    self._fb_post(school, root, "visitor_posts", pools)
            for verdict in ("positive", "positive", "negative", "positive"):
                at = self.moment(self.rng.choice(NOV_DAYS))
                text = self.rng.choice(T.REVIEWS[verdict])
                reviewer = self.person()
                rating = {
                    "created_time": fb_time(at),
                    "recommendation_type": verdict,
                    "review_text": text,
                    "reviewer": {"id": reviewer.fb_id, "name": reviewer.name},
                    "open_graph_story": {"id": self.fb_id("story")},
                }
                pools.setdefault((school.fb_id, "ratings"), []).append(rating)
                self.labels[f"facebook:{rating['open_graph_story']['id']}"] = f"review:{verdict}"
        mill = SCHOOLS[1]
        bank_holiday = self.thread(
            mill,
            at_local(2026, 8, 31, 10, 15),
            "complaint:uniform",
            "Uniform shop shut again today and term starts Wednesday. How "
            "are we supposed to get blazers in time?",
        )
        self._fb_post(mill, bank_holiday, "visitor_posts", pools)
        journalist = self.thread(SCHOOLS[2], at_local(2026, 11, 19, 11, 20), "journalist")
        self._fb_post(SCHOOLS[2], journalist, "visitor_posts", pools)
        return pools

    def _fb_post(self, school: School, msg: Msg, edge: str, pools: dict) -> None:
        post_id = f"{school.fb_id}_{self.fb_id('post')}"
        msg.ids["facebook"] = post_id
        author = fb_from(msg.author)
        post = {
            "id": post_id,
            "message": msg.text,
            "created_time": fb_time(msg.at),
            "from": author,
            "permalink_url": f"https://www.facebook.com/{school.fb_id}/posts/{post_id.split('_')[1]}",
        }
        pools.setdefault((school.fb_id, edge), []).append(post)
        self.labels[f"facebook:{post_id}"] = msg.label
        for reply in msg.replies:
            self._fb_comment(school, post_id, reply, None, pools)

    def _fb_comment(
        self, school: School, post_id: str, msg: Msg, parent_comment: str | None, pools: dict
    ) -> None:
        comment_id = f"{post_id.split('_')[1]}_{self.fb_id('comment')}"
        comment: dict[str, Any] = {
            "id": comment_id,
            "message": msg.text,
            "created_time": fb_time(msg.at),
            "from": fb_from(msg.author),
            "permalink_url": f"https://www.facebook.com/{post_id}?comment_id={comment_id}",
        }
        if parent_comment:
            comment["parent"] = {"id": parent_comment}
        pools.setdefault((post_id, "comments"), []).append(comment)
        self.labels[f"facebook:{comment_id}"] = msg.label
        for reply in msg.replies:
            # Facebook threads are two deep: replies to a reply hang off the top comment.
            self._fb_comment(school, post_id, reply, parent_comment or comment_id, pools)

    # -- Reddit ------------------------------------------------------------------------

    def base36(self) -> str:
        self.counter += 1
        n = int(hashlib.sha256(f"{SEED}:r:{self.counter}".encode()).hexdigest()[:10], 16)
        chars = "0123456789abcdefghijklmnopqrstuvwxyz"
        out = ""
        while n:
            n, r = divmod(n, 36)
            out = chars[r] + out
        return out[:7]

    def build_reddit(self) -> tuple[dict, dict]:
        listings: dict[tuple[str, str], list[dict[str, Any]]] = {}
        threads: dict[str, list[Any]] = {}
        oak, mill, harb = SCHOOLS
        posts = [
            ("Riverbend", oak, "Oakfield Primary parking is a nightmare", "complaint:parking"),
            (
                "Riverbend",
                mill,
                "Millbrook High SEND support - anyone actually getting it?",
                "complaint:send",
            ),
            ("Riverbend", harb, "Harbourside Academy lunches", "complaint:lunches"),
            (
                "Riverbend",
                mill,
                "Group chat about a Millbrook High kid getting out of hand",
                "bullying",
            ),
            ("Riverbend", oak, "Oakfield Primary nativity - filmed or not?", "question"),
            ("Riverbend", harb, "Shout out to Harbourside Academy's music department", "praise"),
            ("Riverbend", mill, "Worried about a girl from Millbrook High", "safeguarding"),
            (
                "Riverbend",
                harb,
                "Harbourside Academy - anyone else think the head needs to go?",
                "abuse",
            ),
            ("Riverbend", oak, "Oakfield Academy breakfast club prices", "complaint:lunches"),
            (
                "UKParenting",
                mill,
                "Son's teacher at Millbrook School keeps singling him out",
                "complaint:teacher",
            ),
            (
                "UKParenting",
                mill,
                "Millbrook High uniform costs - is this normal?",
                "complaint:uniform",
            ),
            ("UKParenting", mill, "Moving to Riverbend: Millbrook High or elsewhere?", "question"),
            ("Riverbend", oak, "Lost cat near Oakfield Primary", "community"),
        ]
        for sub, school, title, label in posts:
            day = self.rng.choice(NOV_DAYS)
            at = self.moment(day)
            author = self.person()
            body = (
                ""
                if label == "community"
                else self.pick(label, school)
                if label != "question"
                else (self.rng.choice(T.QUESTIONS) + f" (Asking about {school.name}.)")
            )
            if label == "community":
                body = "Ginger tom, answers to Biscuit. Please check your sheds!"
            article = self.base36()
            slug = (
                "_".join(title.lower().split()[:6])
                .replace("-", "")
                .replace("?", "")
                .replace("'", "")
            )
            permalink = f"/r/{sub}/comments/{article}/{slug}/"
            submission = {
                "kind": "t3",
                "data": {
                    "id": article,
                    "name": f"t3_{article}",
                    "title": title,
                    "selftext": body,
                    "author": author.reddit,
                    "author_fullname": f"t2_{author.x_id[-6:]}",
                    "created_utc": at.timestamp(),
                    "subreddit": sub,
                    "subreddit_name_prefixed": f"r/{sub}",
                    "permalink": permalink,
                    "url": f"https://www.reddit.com{permalink}",
                    "num_comments": 0,
                    "score": self.rng.randrange(1, 60),
                    "ups": 1,
                    "over_18": False,
                },
            }
            if label == "community":  # the author deleted it: the title stays, the body goes
                submission["data"]["removed_by_category"] = "deleted"
                submission["data"]["selftext"] = "[deleted]"
            self.labels[f"reddit:t3_{article}"] = label
            listings.setdefault((f"r_{sub}", "search"), []).append(submission)
            comments = self._reddit_comments(school, sub, article, slug, at, label, listings)
            submission["data"]["num_comments"] = count_tree(comments)
            threads[article] = [
                {
                    "kind": "Listing",
                    "data": {"after": None, "dist": 1, "children": [submission], "before": None},
                },
                {
                    "kind": "Listing",
                    "data": {"after": None, "dist": None, "children": comments, "before": None},
                },
            ]
        return listings, threads

    def _reddit_comments(
        self,
        school: School,
        sub: str,
        article: str,
        slug: str,
        post_at: dt.datetime,
        label: str,
        listings: dict,
    ) -> list[dict[str, Any]]:
        top: list[dict[str, Any]] = []
        n = self.rng.randrange(3, 8)
        for i in range(n):
            at = post_at + dt.timedelta(minutes=self.rng.randrange(5, 60 * 36))
            author = self.person()
            kind_of = self.rng.random()
            if label == "bullying" and i < 2:
                text, lab = self.fill(self.rng.choice(T.BULLYING), school), "bullying"
            elif label == "safeguarding" and i == 0:
                text, lab = (
                    (
                        "Please report it to the school's safeguarding lead today. You can "
                        "also ring the council's children's services, they take anonymous "
                        "calls."
                    ),
                    "community",
                )
            elif kind_of < 0.5:
                text, lab = self.rng.choice(T.COMMUNITY), "community"
            elif kind_of < 0.75:
                text, lab = (
                    self.pick(
                        self.rng.choice(
                            ["complaint:parking", "complaint:lunches", "complaint:uniform"]
                        ),
                        school,
                    ),
                    "complaint",
                )
            else:
                text, lab = self.rng.choice(T.PRAISE).format(**T.STAFF[school.key]), "praise"
            if school.key == "millbrook" and i == 1 and label not in ("bullying",):
                text = f"u/{REDDIT_OFFICIAL} maybe you could answer this? " + text
                lab = "question"
            node = self.reddit_comment(sub, article, slug, f"t3_{article}", author.reddit, at, text)
            self.labels[f"reddit:{node['data']['name']}"] = lab
            if i == 2:
                node["data"]["body"] = "[deleted]"
                node["data"]["author"] = "[deleted]"
            if i == 3 and label == "bullying":
                node["data"]["body"] = "[removed]"
            replies: list[dict[str, Any]] = []
            official_here = school.key == "millbrook" and i in (0, 1) and label != "community"
            if official_here and self.rng.random() < 0.8:
                answer_at = self.answer_at(
                    at, school, self.rng.choice(["minutes", "hours", "slow"])
                )
                answer_text = self.reply_text(label if label != "bullying" else "bullying")
                official = self.reddit_comment(
                    sub,
                    article,
                    slug,
                    node["data"]["name"],
                    REDDIT_OFFICIAL,
                    answer_at,
                    answer_text,
                )
                self.labels[f"reddit:{official['data']['name']}"] = "school"
                listings.setdefault((f"user_{REDDIT_OFFICIAL}", "comments"), []).append(
                    strip(official)
                )
                if self.rng.random() < 0.6:
                    back_at = answer_at + dt.timedelta(minutes=self.rng.randrange(20, 400))
                    back = self.reddit_comment(
                        sub,
                        article,
                        slug,
                        official["data"]["name"],
                        author.reddit,
                        back_at,
                        self.rng.choice(T.FOLLOW_UPS),
                    )
                    self.labels[f"reddit:{back['data']['name']}"] = "follow_up"
                    listings.setdefault((f"inbox_{REDDIT_OFFICIAL}", "comments"), []).append(
                        inbox_item(back, "comment_reply")
                    )
                    official["data"]["replies"] = listing([back])
                replies.append(official)
            if f"u/{REDDIT_OFFICIAL}" in text:
                listings.setdefault((f"inbox_{REDDIT_OFFICIAL}", "mentions"), []).append(
                    inbox_item(node, "username_mention")
                )
            if self.rng.random() < 0.35:
                other_at = at + dt.timedelta(minutes=self.rng.randrange(5, 300))
                other = self.reddit_comment(
                    sub,
                    article,
                    slug,
                    node["data"]["name"],
                    self.person().reddit,
                    other_at,
                    self.rng.choice(T.COMMUNITY),
                )
                self.labels[f"reddit:{other['data']['name']}"] = "community"
                replies.append(other)
            if replies:
                node["data"]["replies"] = listing(replies)
            top.append(node)
        top.sort(key=lambda c: c["data"]["created_utc"], reverse=True)
        return top

    def reddit_comment(
        self,
        sub: str,
        article: str,
        slug: str,
        parent: str,
        author: str,
        at: dt.datetime,
        body: str,
    ) -> dict[str, Any]:
        cid = self.base36()
        return {
            "kind": "t1",
            "data": {
                "id": cid,
                "name": f"t1_{cid}",
                "author": author,
                "author_fullname": f"t2_{hashlib.sha256(author.encode()).hexdigest()[:6]}",
                "body": body,
                "created_utc": at.timestamp(),
                "parent_id": parent,
                "link_id": f"t3_{article}",
                "subreddit": sub,
                "subreddit_name_prefixed": f"r/{sub}",
                "permalink": f"/r/{sub}/comments/{article}/{slug}/{cid}/",
                "score": self.rng.randrange(-3, 40),
                "ups": 1,
                "replies": "",
                "depth": 0,
                "edited": False,
            },
        }


# --- rendering helpers ----------------------------------------------------------------------


def at_local(y: int, m: int, d: int, hh: int, mm: int) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=LONDON).astimezone(dt.UTC)


def x_user(person: Person) -> dict[str, Any]:
    return {"id": person.x_id, "name": person.name, "username": person.handle}


def fb_time(at: dt.datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S+0000")


def fb_from(author: Person | School) -> dict[str, str]:
    if isinstance(author, School):
        return {"id": author.fb_id, "name": author.fb_name}
    return {"id": author.fb_id, "name": author.name}


def listing(children: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "kind": "Listing",
        "data": {"after": None, "dist": None, "children": children, "before": None},
    }


def strip(node: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in node["data"].items() if k != "replies"}
    return {"kind": node["kind"], "data": {**data, "link_title": "", "replies": ""}}


def inbox_item(node: dict[str, Any], kind: str) -> dict[str, Any]:
    """How the same comment looks in /message/mentions or /message/comments."""
    d = node["data"]
    return {
        "kind": "t1",
        "data": {
            "id": d["id"],
            "name": d["name"],
            "author": d["author"],
            "body": d["body"],
            "created_utc": d["created_utc"],
            "parent_id": d["parent_id"],
            "subreddit": d["subreddit"],
            "context": d["permalink"] + "?context=3",
            "was_comment": True,
            "new": False,
            "type": kind,
            "dest": REDDIT_OFFICIAL,
            "subject": "username mention" if kind == "username_mention" else "comment reply",
            "link_title": "",
        },
    }


def count_tree(children: list[dict[str, Any]]) -> int:
    total = 0
    for child in children:
        total += 1
        replies = child["data"].get("replies")
        if isinstance(replies, dict):
            total += count_tree(replies["data"]["children"])
    return total


def tree_times(children: list[dict[str, Any]]) -> list[float]:
    out: list[float] = []
    for child in children:
        out.append(child["data"]["created_utc"])
        replies = child["data"].get("replies")
        if isinstance(replies, dict):
            out.extend(tree_times(replies["data"]["children"]))
    return out


def token(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def write(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )


def write_x(pools: dict, users: dict, size: int = 40) -> int:
    total = 0
    for (owner, endpoint), tweets in sorted(pools.items()):
        tweets = sorted(tweets, key=lambda t: int(t["id"]), reverse=True)
        total += len(tweets)
        pages = [tweets[i : i + size] for i in range(0, len(tweets), size)]
        for n, chunk in enumerate(pages, start=1):
            authors = sorted({t["author_id"] for t in chunk})
            meta = {
                "result_count": len(chunk),
                "newest_id": chunk[0]["id"],
                "oldest_id": chunk[-1]["id"],
            }
            if n < len(pages):
                meta["next_token"] = token(chunk[-1]["id"])
            write(
                OUT / "x" / owner / endpoint / f"page-{n:03d}.json",
                {"data": chunk, "includes": {"users": [users[a] for a in authors]}, "meta": meta},
            )
    return total


def write_facebook(pools: dict, size: int = 25) -> int:
    total = 0
    for (node, edge), objects in sorted(pools.items()):
        objects = sorted(objects, key=lambda o: (o["created_time"], o.get("id", "")), reverse=True)
        total += len(objects)
        pages = [objects[i : i + size] for i in range(0, len(objects), size)]
        for n, chunk in enumerate(pages, start=1):
            start = (n - 1) * size
            cursors = {"before": token(str(start)), "after": token(str(start + len(chunk)))}
            page: dict[str, Any] = {"data": chunk, "paging": {"cursors": cursors}}
            if n < len(pages):
                page["paging"]["next"] = (
                    f"https://graph.facebook.com/v21.0/{node}/{edge}"
                    f"?limit={size}&after={cursors['after']}"
                )
            write(OUT / "facebook" / node / edge / f"page-{n:03d}.json", page)
    return total


def write_reddit(listings: dict, threads: dict, size: int = 25) -> int:
    names: set[str] = set()
    for (owner, what), children in sorted(listings.items()):
        children = sorted(children, key=lambda c: c["data"]["created_utc"], reverse=True)
        names.update(c["data"]["name"] for c in children)
        pages = [children[i : i + size] for i in range(0, len(children), size)]
        for n, chunk in enumerate(pages, start=1):
            after = chunk[-1]["data"]["name"] if n < len(pages) else None
            write(
                OUT / "reddit" / owner / what / f"page-{n:03d}.json",
                {
                    "kind": "Listing",
                    "data": {"after": after, "before": None, "dist": len(chunk), "children": chunk},
                },
            )
    for article, thread in sorted(threads.items()):
        write(OUT / "reddit" / "comments" / f"{article}.json", thread)

        def walk(children: list[dict[str, Any]]) -> None:
            for child in children:
                names.add(child["data"]["name"])
                replies = child["data"].get("replies")
                if isinstance(replies, dict):
                    walk(replies["data"]["children"])

        walk(thread[1]["data"]["children"])
    return len(names)


def build() -> dict[str, Any]:
    corpus = Corpus()
    x_pools = corpus.build_x()
    fb_pools = corpus.build_facebook()
    reddit_listings, reddit_threads = corpus.build_reddit()
    if OUT.exists():
        shutil.rmtree(OUT)
    counts = {
        "x": len({t["id"] for pool in x_pools.values() for t in pool}),
        "facebook": 0,
        "reddit": 0,
    }
    write_x(x_pools, corpus.x_users)
    counts["facebook"] = write_facebook(fb_pools)
    counts["reddit"] = write_reddit(reddit_listings, reddit_threads)
    moments = [parse(t["created_at"]) for pool in x_pools.values() for t in pool]
    moments += [parse(o["created_time"]) for pool in fb_pools.values() for o in pool]
    moments += [
        dt.datetime.fromtimestamp(c["data"]["created_utc"], tz=dt.UTC)
        for children in reddit_listings.values()
        for c in children
    ]
    moments += [
        dt.datetime.fromtimestamp(created, tz=dt.UTC)
        for thread in reddit_threads.values()
        for created in tree_times(thread[1]["data"]["children"])
    ]
    manifest = {
        "description": "Replay corpus for the fictional Riverbend Learning Trust "
        "(config/trust.example.yaml), generated by connectors/replay/build_corpus.py.",
        "seed": SEED,
        "items": sum(counts.values()),
        "by_platform": counts,
        "starts_at": min(moments).isoformat(),
        "ends_at": max(moments).isoformat(),
    }
    write(OUT / "manifest.json", manifest)
    write(OUT / "labels.json", dict(sorted(corpus.labels.items())))
    return manifest


def parse(text: str) -> dt.datetime:
    text = text.replace("Z", "+00:00").replace("+0000", "+00:00")
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


if __name__ == "__main__":
    print(json.dumps(build(), indent=2))
