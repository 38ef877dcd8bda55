/*
 * client_text.c - the words a client sees (see cairn/client_text.h).
 *
 * Written for someone who may be grieving: plain, warm, short, with no
 * clinical terms and nothing that sounds like an alarm.  Changing a word
 * here changes it on every screen a client sees.
 */
#include "cairn/client_text.h"

#include <stddef.h>

const char *cairn_client_text_thanks(void)
{
    return "Thank you for answering these questions. Your answers have "
           "been kept safely.";
}

const char *cairn_client_text_handback(void)
{
    return "Please hand the device back to your clinician.";
}

const char *cairn_client_text_support_default(void)
{
    return "Thank you for being open about how you are feeling. Your "
           "clinician will talk this through with you today. If you ever "
           "feel you cannot keep yourself safe, please contact your local "
           "emergency services or your clinic straight away.";
}

static int has_words(const char *s)
{
    for (; s != NULL && *s != '\0'; s++) {
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r') {
            return 1;
        }
    }
    return 0;
}

const char *cairn_client_text_support(const char *clinic)
{
    return has_words(clinic) ? clinic : cairn_client_text_support_default();
}

const char *cairn_client_text_stopped(void)
{
    return "You have stopped; nothing was kept. Please hand the device "
           "back to your clinician.";
}
