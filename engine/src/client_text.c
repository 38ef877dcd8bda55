/*
 * client_text.c - the words a client sees (see cairn/client_text.h).
 *
 * Written for someone who may be grieving: plain, warm, short, with no
 * clinical terms and nothing that sounds like an alarm.  Changing a word
 * here changes it on every screen a client sees.
 */
#include "cairn/client_text.h"

#include <stddef.h>

const char *cairn_client_text_thanks_title(void)
{
    return "Thank you";
}

const char *cairn_client_text_thanks(cairn_client_place where)
{
    return where == CAIRN_CLIENT_AT_HOME
               ? "Thank you for answering these questions. Your answers "
                 "have been sent safely to your clinic."
               : "Thank you for answering these questions. Your answers "
                 "have been kept safely.";
}

const char *cairn_client_text_handback(void)
{
    return "Please hand the device back to your clinician.";
}

const char *cairn_client_text_closing(cairn_client_place where)
{
    return where == CAIRN_CLIENT_AT_HOME
               ? "There is nothing more to do. You can close this page "
                 "now."
               : cairn_client_text_handback();
}

const char *cairn_client_text_support_title(void)
{
    return "Looking after yourself";
}

const char *cairn_client_text_support_default(cairn_client_place where)
{
    if (where == CAIRN_CLIENT_AT_HOME) {
        return "Thank you for being open about how you are feeling. Your "
               "clinic will read your answers and talk them through with "
               "you. If you feel you cannot keep yourself safe, or you are "
               "in danger now, please call your local emergency number or "
               "go to your nearest emergency department. You can also "
               "contact your clinic.";
    }
    return "Thank you for being open about how you are feeling. Your "
           "clinician will talk this through with you before you leave. "
           "If you ever feel you cannot keep yourself safe, please contact "
           "your local emergency services or your clinic straight away.";
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

const char *cairn_client_text_support(const char *clinic,
                                      cairn_client_place where)
{
    return has_words(clinic) ? clinic
                             : cairn_client_text_support_default(where);
}

const char *cairn_client_text_stopped(void)
{
    return "You have stopped; nothing was kept. Please hand the device "
           "back to your clinician.";
}

const char *cairn_client_text_already_done(void)
{
    return "These answers have already been received. Thank you. There is "
           "nothing more to do.";
}

const char *cairn_client_text_refusal_title(cairn_client_refusal r)
{
    switch (r) {
    case CAIRN_CLIENT_LINK_INACTIVE:
        return "This link is no longer active";
    case CAIRN_CLIENT_LINK_DONE:
        return "Already completed";
    case CAIRN_CLIENT_LINK_TROUBLE:
    case CAIRN_CLIENT_LINK_NOT_SENT:
        return "Something went wrong";
    case CAIRN_CLIENT_LINK_UNKNOWN:
    default:
        return "This link is not valid";
    }
}

const char *cairn_client_text_refusal(cairn_client_refusal r)
{
    switch (r) {
    case CAIRN_CLIENT_LINK_INACTIVE:
        return "Please ask your clinic for a new link if you would still "
               "like to answer.";
    case CAIRN_CLIENT_LINK_DONE:
        return cairn_client_text_already_done();
    case CAIRN_CLIENT_LINK_TROUBLE:
        return "Please try again in a few minutes.";
    case CAIRN_CLIENT_LINK_NOT_SENT:
        return "Your answers could not be sent. Please press Back and try "
               "again in a few minutes.";
    case CAIRN_CLIENT_LINK_UNKNOWN:
    default:
        return "Please check the address, or ask your clinic for a new "
               "link.";
    }
}
