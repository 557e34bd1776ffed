#include "io/gdal_util.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_http.h>
#include <gdal.h>
#include <pthread.h>
#include <stdio.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static _Thread_local char last_error[512];

static void register_all(void)
{
    GDALAllRegister();
    /* a spreadsheet's first row always names its columns (import matches
       columns by name), even when every cell of the sheet is text */
    CPLSetConfigOption("OGR_XLSX_HEADERS", "FORCE");
    CPLSetConfigOption("OGR_ODS_HEADERS", "FORCE");
}

void dm_gdal_init(void) { pthread_once(&once, register_all); }

static pthread_once_t locked_once = PTHREAD_ONCE_INIT;

/* Every HTTP request GDAL would make fails, without touching the network. */
static CPLHTTPResult *no_network(const char *url, CSLConstList options, GDALProgressFunc progress,
                                 void *progress_arg, CPLHTTPFetchWriteFunc write, void *write_arg,
                                 void *user)
{
    (void)url;
    (void)options;
    (void)progress;
    (void)progress_arg;
    (void)write;
    (void)write_arg;
    (void)user;
    CPLHTTPResult *r = CPLCalloc(1, sizeof *r);
    r->nStatus = 1;
    r->pszErrBuf = CPLStrdup("demine reads no URL while it imports a file sent to it");
    return r;
}

static void lock_down(void)
{
    CPLHTTPSetFetchCallback(no_network, NULL);
    CPLSetConfigOption("OGR_SQLITE_ALLOW_EXTERNAL_ACCESS", "NO");
}

void dm_gdal_lock_down(void)
{
    dm_gdal_init();
    pthread_once(&locked_once, lock_down);
}

static void CPL_STDCALL capture(CPLErr cls, CPLErrorNum num, const char *msg)
{
    (void)num;
    if (cls >= CE_Failure)
        snprintf(last_error, sizeof last_error, "%s", msg ? msg : "");
}

void dm_gdal_capture_push(void)
{
    last_error[0] = '\0';
    CPLPushErrorHandler(capture);
}

void dm_gdal_capture_pop(void) { CPLPopErrorHandler(); }

const char *dm_gdal_last_error(void) { return last_error; }
