/*
 * cairn/client_text.h - the words a client sees, in one place.
 *
 * Every front end that puts a questionnaire in front of a client (the
 * terminal's `cairn administer`, the clinic tablet and the phone link of
 * the web server) shows the same calm words at the same moments, so they
 * live here and nowhere else.  A client never sees a score, a band or a
 * risk notice: after the last answer they are thanked, and asked to hand
 * the device back; when they endorsed a risk item they also see one
 * supportive line, the clinic's own words when it has set them (setting
 * `client.crisis_message`, see cairn/settings.h), else a default that
 * names no country's numbers.
 *
 * Every string returned is static (or borrowed from the argument) and
 * never NULL.
 *
 *     printf("%s\n", cairn_client_text_thanks());
 *     if (risk) printf("%s\n", cairn_client_text_support(clinic_words));
 *     printf("%s\n", cairn_client_text_handback());
 */
#ifndef CAIRN_CLIENT_TEXT_H
#define CAIRN_CLIENT_TEXT_H

/** The thank-you shown once the answers are saved. */
const char *cairn_client_text_thanks(void);

/** The request to give the device back to the clinician. */
const char *cairn_client_text_handback(void);

/**
 * The supportive line for a client who endorsed a risk item: `clinic`
 * (the clinic's setting client.crisis_message) when it holds text other
 * than blanks, else cairn_client_text_support_default().  Borrowed from
 * `clinic` in the first case.
 */
const char *cairn_client_text_support(const char *clinic);

/**
 * The default supportive line: calm, no alarm words, and no telephone
 * number, since the right one depends on the clinic's country.
 */
const char *cairn_client_text_support_default(void);

/** What the client is told when they stop without saving. */
const char *cairn_client_text_stopped(void);

#endif
