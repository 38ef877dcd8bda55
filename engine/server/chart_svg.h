/*
 * chart_svg.h - one questionnaire's scores over time, drawn by the server
 * as inline SVG (chart_svg.c), with the same things the workbook charts
 * show: the scale's bands (each with its label, and a pattern as well as
 * a tint, so they differ without colour), the clinical cut-off, the
 * clinic's expected course where its growth model gives one, and the
 * client's timeline (events entered, the due date and anniversaries) on
 * the same axis.  The axis is calendar dates or weeks since the loss.
 *
 * Every chart comes as a <figure>: the SVG (role img, with a <title>), a
 * text description it points to with aria-describedby, a legend, the
 * timeline markers as a numbered list and the data as an HTML table, so
 * nothing is only in the picture.  One or two series: a client, or both
 * partners of a couple (solid and dashed lines, dots and squares).
 * Never installed; the server's files only.
 */
#ifndef CAIRN_CHART_SVG_H
#define CAIRN_CHART_SVG_H

#include "server_internal.h"

/** The most series one chart draws (a couple). */
#define SRV_CHART_MAX_SERIES 2

/** One person's course on the chart. */
typedef struct srv_chart_series {
    const char *name;                /**< the legend's words, e.g. "S01" */
    const cairn_trend *trend;        /**< the points (borrowed) */
    const cairn_event_list *events;  /**< their timeline with the markers
                                          of the loss, or NULL */
    const cairn_expectation *expect; /**< the clinic's expected course for
                                          this series, or NULL */
} srv_chart_series;

/** What to draw. */
typedef struct srv_chart {
    const char *id;               /**< unique on the page, [a-z0-9-] */
    const cairn_instrument *inst; /**< borrowed */
    const cairn_scale *scale;     /**< the trends' scale (borrowed) */
    bool since_loss;              /**< x: weeks since `loss_date` */
    const char *loss_date;        /**< "YYYY-MM-DD", or NULL */
    const char *today;            /**< "YYYY-MM-DD": markers up to it */
    size_t n_series;
    srv_chart_series series[SRV_CHART_MAX_SERIES];
} srv_chart;

/** The words for an event kind ("new pregnancy"); never NULL. */
const char *srv_event_words(cairn_event_kind kind);

/** A band's label for people (its id when the scale lacks it), or NULL
 *  for no band. */
const char *srv_band_words(const cairn_scale *sc, const char *id);

/**
 * Append the chart's <figure> (SVG, description, legend, markers, data
 * table) to `b`.  Draws what it can: a chart with no points says so.
 */
void srv_chart_write(srv_buf *b, const srv_chart *ch);

#endif
