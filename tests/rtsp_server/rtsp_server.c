/* A small RTSP server for the runner's stream tests, on GStreamer's RTSP server
 * library. It listens on 127.0.0.1 only and serves one mount, /stream, over
 * RTP/UDP and RTP/TCP (interleaved), whichever the client asks for.
 *
 *   bisk_rtsp_server --port P (--file X.mp4 | --testsrc) [--user U --password W]
 *
 * --file loops an H.264 MP4 without re-encoding (timestamps restart at each
 * loop: use --testsrc where a client needs them monotonic); --testsrc encodes a live
 * 640x360 25 fps test pattern. With --user/--password the mount needs HTTP
 * basic authentication (a wrong or missing password answers 401). Prints
 * "ready <port>" on stdout once listening (port 0 picks a free one); SIGTERM
 * or SIGINT exits 0. */
#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static gboolean on_signal(gpointer loop) {
  g_main_loop_quit((GMainLoop*)loop);
  return G_SOURCE_REMOVE;
}

/* --file: when the demuxer reaches the end, the EOS is dropped and the media's
 * pipeline seeks back to the start, so the stream never ends. */
static gboolean seek_to_start(gpointer data) {
  GstElement* pipeline = GST_ELEMENT(data);
  gst_element_seek_simple(pipeline, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_KEY_UNIT, 0);
  gst_object_unref(pipeline);
  return G_SOURCE_REMOVE;
}

static GstPadProbeReturn on_parser_event(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
  (void)pad;
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  if (GST_EVENT_TYPE(event) != GST_EVENT_EOS) return GST_PAD_PROBE_OK;
  g_idle_add(seek_to_start, gst_object_ref(GST_ELEMENT(data)));
  return GST_PAD_PROBE_DROP;
}

static void on_media_configure(GstRTSPMediaFactory* factory, GstRTSPMedia* media, gpointer data) {
  (void)factory;
  (void)data;
  GstElement* element = gst_rtsp_media_get_element(media);
  GstElement* parser = gst_bin_get_by_name(GST_BIN(element), "parse");
  if (parser != NULL) {
    GstElement* pipeline = element;
    while (GST_OBJECT_PARENT(pipeline) != NULL) pipeline = GST_ELEMENT(GST_OBJECT_PARENT(pipeline));
    GstPad* sink = gst_element_get_static_pad(parser, "sink");
    gst_pad_add_probe(sink, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_parser_event, gst_object_ref(pipeline),
                      (GDestroyNotify)gst_object_unref);
    gst_object_unref(sink);
    gst_object_unref(parser);
  }
  gst_object_unref(element);
}

static void usage(void) {
  fprintf(stderr, "usage: bisk_rtsp_server --port P (--file X.mp4 | --testsrc) [--user U --password W]\n");
  exit(2);
}

int main(int argc, char** argv) {
  const char* port = NULL;
  const char* file = NULL;
  const char* user = NULL;
  const char* password = NULL;
  int testsrc = 0;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      port = argv[++i];
    } else if (strcmp(argv[i], "--file") == 0 && i + 1 < argc) {
      file = argv[++i];
    } else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc) {
      user = argv[++i];
    } else if (strcmp(argv[i], "--password") == 0 && i + 1 < argc) {
      password = argv[++i];
    } else if (strcmp(argv[i], "--testsrc") == 0) {
      testsrc = 1;
    } else {
      usage();
    }
  }
  if (port == NULL || (file == NULL) == (testsrc == 0) || (user == NULL) != (password == NULL)) usage();

  gst_init(&argc, &argv);
  GMainLoop* loop = g_main_loop_new(NULL, FALSE);
  GstRTSPServer* server = gst_rtsp_server_new();
  gst_rtsp_server_set_address(server, "127.0.0.1");
  gst_rtsp_server_set_service(server, port);

  GstRTSPMediaFactory* factory = gst_rtsp_media_factory_new();
  gchar* launch = NULL;
  if (file != NULL) {
    gchar* quoted = g_strescape(file, NULL);
    launch = g_strdup_printf(
        "( filesrc location=\"%s\" ! qtdemux ! h264parse name=parse config-interval=-1 ! "
        "rtph264pay name=pay0 pt=96 )",
        quoted);
    g_free(quoted);
    g_signal_connect(factory, "media-configure", G_CALLBACK(on_media_configure), NULL);
  } else {
    launch = g_strdup(
        "( videotestsrc is-live=true pattern=smpte ! video/x-raw,width=640,height=360,framerate=25/1 ! "
        "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 ! h264parse config-interval=-1 ! "
        "rtph264pay name=pay0 pt=96 )");
  }
  gst_rtsp_media_factory_set_launch(factory, launch);
  g_free(launch);

  if (user != NULL) {
    GstRTSPAuth* auth = gst_rtsp_auth_new();
    GstRTSPToken* token = gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE, G_TYPE_STRING, "user", NULL);
    gchar* basic = gst_rtsp_auth_make_basic(user, password);
    gst_rtsp_auth_add_basic(auth, basic, token);
    g_free(basic);
    gst_rtsp_token_unref(token);
    gst_rtsp_server_set_auth(server, auth);
    g_object_unref(auth);
    gst_rtsp_media_factory_add_role(factory, "user", GST_RTSP_PERM_MEDIA_FACTORY_ACCESS, G_TYPE_BOOLEAN, TRUE,
                                    GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, G_TYPE_BOOLEAN, TRUE, NULL);
  }

  GstRTSPMountPoints* mounts = gst_rtsp_server_get_mount_points(server);
  gst_rtsp_mount_points_add_factory(mounts, "/stream", factory);
  g_object_unref(mounts);

  if (gst_rtsp_server_attach(server, NULL) == 0) {
    fprintf(stderr, "bisk_rtsp_server: cannot listen on 127.0.0.1:%s\n", port);
    return 1;
  }
  g_unix_signal_add(SIGTERM, on_signal, loop);
  g_unix_signal_add(SIGINT, on_signal, loop);
  printf("ready %d\n", gst_rtsp_server_get_bound_port(server));
  fflush(stdout);
  g_main_loop_run(loop);
  g_object_unref(server);
  g_main_loop_unref(loop);
  return 0;
}
