/*
 * cairn/client_text.h - the words a client sees, in one place.
 *
 * Every front end that puts a questionnaire in front of a client (the
 * terminal's `cairn administer`, the clinic tablet and the phone link of
 * the web server) shows the same calm words at the same moments, so they
 * live here and nowhere else.  A client never sees a score, a band or a
 * risk notice: after the last answer they are thanked, and asked to hand
 * the device back (or, at home, told they may close the page); when they
 * endorsed a risk item they also see one supportive line, the clinic's
 * own words when it has set them (setting `client.crisis_message`, see
 * cairn/settings.h), else a default that names no country's numbers.
 *
 * The words depend on where the client answers: with the clinician in the
 * room (the terminal, the clinic's tablet), or alone, often at home, from
 * a phone link, where no one will talk it through with them "today".
 *
 * Every string returned is static (or borrowed from the argument) and
 * never NULL.
 *
 *     cairn_client_place at = CAIRN_CLIENT_IN_ROOM;
 *     printf("%s\n", cairn_client_text_thanks(at));
 *     if (risk) printf("%s\n", cairn_client_text_support(clinic_words, at));
 *     printf("%s\n", cairn_client_text_closing(at));
 */
#ifndef CAIRN_CLIENT_TEXT_H
#define CAIRN_CLIENT_TEXT_H

/** Where the client answers, which decides some of the words. */
typedef enum cairn_client_place {
    CAIRN_CLIENT_IN_ROOM = 0, /**< the terminal or the clinic's tablet,
                                   with the clinician near */
    CAIRN_CLIENT_AT_HOME = 1  /**< a phone link, answered alone */
} cairn_client_place;

/** The short heading of the page or screen once the answers are kept. */
const char *cairn_client_text_thanks_title(void);

/** The thank-you shown once the answers are saved (or sent, at home). */
const char *cairn_client_text_thanks(cairn_client_place where);

/** The request to give the device back to the clinician. */
const char *cairn_client_text_handback(void);

/**
 * The last line: in the room, cairn_client_text_handback(); at home, that
 * the page may be closed.
 */
const char *cairn_client_text_closing(cairn_client_place where);

/** The heading above the supportive line on a page. */
const char *cairn_client_text_support_title(void);

/**
 * The supportive line for a client who endorsed a risk item: `clinic`
 * (the clinic's words, e.g. its setting client.crisis_message) when it
 * holds text other than blanks, else cairn_client_text_support_default().
 * Borrowed from `clinic` in the first case.
 */
const char *cairn_client_text_support(const char *clinic,
                                      cairn_client_place where);

/**
 * The default supportive line: calm, no alarm words, and no telephone
 * number, since the right one depends on the clinic's country.  In the
 * room it says the clinician will talk it through with the client
 * before they leave; at home it promises no time.
 */
const char *cairn_client_text_support_default(cairn_client_place where);

/** What the client is told when they stop without saving. */
const char *cairn_client_text_stopped(void);

/** What a client sees who sends answers already received. */
const char *cairn_client_text_already_done(void);

/** Why a questionnaire link cannot be answered, in the words a client
 *  reads (nothing identifying, no blame). */
typedef enum cairn_client_refusal {
    CAIRN_CLIENT_LINK_UNKNOWN = 0,  /**< no such link */
    CAIRN_CLIENT_LINK_INACTIVE = 1, /**< expired or withdrawn */
    CAIRN_CLIENT_LINK_DONE = 2,     /**< already answered */
    CAIRN_CLIENT_LINK_TROUBLE = 3,  /**< the page could not be made */
    CAIRN_CLIENT_LINK_NOT_SENT = 4  /**< the answers could not be saved */
} cairn_client_refusal;

/** The heading of the page for refusal `r`.  Static text; never NULL. */
const char *cairn_client_text_refusal_title(cairn_client_refusal r);

/** What the client is asked to do about refusal `r`.  Static text;
 *  never NULL. */
const char *cairn_client_text_refusal(cairn_client_refusal r);

#endif
