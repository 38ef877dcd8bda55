/*
 * cairn.h - the Cairn engine: clinical questionnaire definitions, exact
 * scoring, a longitudinal store, trend statistics and research export.
 *
 * Data flows instrument definition -> response set -> score -> stored
 * assessment -> statistics -> report/export; each stage has its header.
 * Every function returns CAIRN_OK or a negative cairn_status and fills a
 * caller-owned cairn_error.  The engine never prints or exits.
 */
#ifndef CAIRN_H
#define CAIRN_H

#include "cairn/error.h"
#include "cairn/date.h"
#include "cairn/instrument.h"
#include "cairn/response.h"
#include "cairn/score.h"
#include "cairn/catalog.h"
#include "cairn/store.h"
#include "cairn/settings.h"
#include "cairn/import.h"
#include "cairn/stats.h"
#include "cairn/trend.h"
#include "cairn/cohort.h"
#include "cairn/couple.h"
#include "cairn/caseload.h"
#include "cairn/alert.h"
#include "cairn/attention.h"
#include "cairn/due.h"
#include "cairn/export.h"
#include "cairn/aggregate.h"
#include "cairn/release.h"
#include "cairn/outfile.h"
#include "cairn/text.h"
#include "cairn/client_text.h"
#include "cairn/episode.h"
#include "cairn/timeline.h"
#include "cairn/terminology.h"
#include "cairn/fhir.h"
#include "cairn/account.h"
#include "cairn/link.h"
#include "cairn/token.h"

/** The library version, e.g. "0.1.0". */
const char *cairn_version(void);

#endif
