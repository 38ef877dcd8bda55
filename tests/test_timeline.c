/*
 * test_timeline.c - markers derived from a client's loss: the due date
 * (Naegele: 280 days from the last period, so 40 - weeks of gestation
 * after the loss), anniversaries (29 February on 28 February), and an
 * event entered by hand standing in for its marker.
 */
#include <stdlib.h>

#include "helpers.h"

static cairn_event_list *empty(void)
{
    return calloc(1, sizeof(cairn_event_list));
}

static void test_timeline_due_date_and_anniversaries(void **state)
{
    (void)state;
    cairn_client c = {
        .code = "X1", .loss_date = "2024-02-29", .gestation_weeks = 31};
    cairn_event_list *l = empty();
    cairn_error err = CAIRN_ERROR_INIT;
    assert_non_null(l);
    assert_int_equal(cairn_timeline_add_markers(l, &c, "2026-03-01", &err),
                     CAIRN_OK);
    assert_int_equal(l->n, 3);
    assert_string_equal(l->items[0].date, "2024-05-02"); /* + 9 weeks */
    assert_int_equal(l->items[0].kind, CAIRN_EVENT_DUE_DATE);
    assert_string_equal(l->items[0].label,
                        "due date, from the loss at 31 weeks");
    assert_int_equal(l->items[0].id, 0);
    assert_string_equal(l->items[1].date, "2025-02-28");
    assert_string_equal(l->items[1].label, "1st anniversary of the loss");
    assert_string_equal(l->items[2].date, "2026-02-28");
    assert_string_equal(l->items[2].label, "2nd anniversary of the loss");
    cairn_store_event_list_free(l);
}

static void test_timeline_entered_events_stand_in(void **state)
{
    (void)state;
    cairn_client c = {
        .code = "X2", .loss_date = "2025-01-10", .gestation_weeks = 40};
    cairn_event_list *l = empty();
    cairn_error err = CAIRN_ERROR_INIT;
    l->items = calloc(1, sizeof *l->items);
    assert_non_null(l->items);
    char *date = malloc(11), *code = malloc(3);
    assert_non_null(date);
    assert_non_null(code);
    memcpy(date, "2026-01-15", 11);
    memcpy(code, "X2", 3);
    l->items[0] = (cairn_event){7, code, date, CAIRN_EVENT_ANNIVERSARY, NULL};
    l->n = 1;
    /* no due date at 40 weeks; the entered anniversary covers the 1st */
    assert_int_equal(cairn_timeline_add_markers(l, &c, "2027-01-10", &err),
                     CAIRN_OK);
    assert_int_equal(l->n, 2);
    assert_string_equal(l->items[0].date, "2026-01-15");
    assert_int_equal(l->items[0].id, 7);
    assert_string_equal(l->items[1].date, "2027-01-10");
    assert_string_equal(l->items[1].label, "2nd anniversary of the loss");
    /* no loss date: nothing; a bad end date: refused */
    cairn_client none = {.code = "X3"};
    assert_int_equal(cairn_timeline_add_markers(l, &none, "2027-01-10", &err),
                     CAIRN_OK);
    assert_int_equal(l->n, 2);
    assert_int_equal(cairn_timeline_add_markers(l, &c, "soon", &err),
                     CAIRN_EINVAL);
    cairn_store_event_list_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timeline_due_date_and_anniversaries),
        cmocka_unit_test(test_timeline_entered_events_stand_in),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
