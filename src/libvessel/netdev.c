/* linux.netDevices: rtnetlink by hand, a handful of small requests.
 *
 * vessel, in its own network namespace, asks the kernel to move each
 * device into the init's namespace (RTM_NEWLINK with IFLA_NET_NS_FD, and
 * IFLA_IFNAME for its new name, which the kernel applies on arrival).
 * The move drops the device's addresses, so its permanent global ones are
 * read first and added back from a second socket made inside the
 * container's namespace; then the device comes up there. */
#include <config.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "netdev.h"
#include "utils.h"

/* ---- rtnetlink --------------------------------------------------------- */

/* A request: header, fixed part, attributes.  Every request here is
   small and bounded. */
struct nl_request
{
  union
  {
    struct nlmsghdr h;
    char bytes[512];
  };
};

static void
nl_request_init (struct nl_request *r, int type, int flags, const void *body, size_t len)
{
  memset (r, 0, sizeof *r);
  r->h.nlmsg_len = NLMSG_LENGTH (len);
  r->h.nlmsg_type = type;
  r->h.nlmsg_flags = NLM_F_REQUEST | flags;
  memcpy (NLMSG_DATA (&r->h), body, len);
}

static int
nl_put (struct nl_request *r, int type, const void *data, size_t len)
{
  size_t at = NLMSG_ALIGN (r->h.nlmsg_len);
  if (at + RTA_SPACE (len) > sizeof r->bytes)
    return -ENOBUFS;
  struct rtattr *a = (struct rtattr *) (r->bytes + at);
  a->rta_type = type;
  a->rta_len = RTA_LENGTH (len);
  memcpy (RTA_DATA (a), data, len);
  r->h.nlmsg_len = at + RTA_SPACE (len);
  return 0;
}

struct rtnl
{
  int fd;
  uint32_t seq;
  char why[256]; /* the kernel's extended ack for the last refusal */
};

static int
rtnl_open (struct rtnl *s, vessel_error **err)
{
  s->seq = 0;
  s->why[0] = '\0';
  s->fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (s->fd < 0)
    return vessel_fail_errno (err, errno, "open a netlink socket");
  /* The kernel's words with a refusal, without our request echoed back
     (both since Linux 4.12; without them the errno alone says it). */
  int one = 1;
  (void) setsockopt (s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  (void) setsockopt (s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  return 0;
}

/* A socket belongs to the network namespace it was made in: vessel steps
   into the container's just long enough to make one. */
static int
rtnl_open_in (struct rtnl *s, int nsfd, vessel_error **err)
{
  cleanup_close int self = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0)
    return vessel_fail_errno (err, errno, "open /proc/self/ns/net");
  if (setns (nsfd, CLONE_NEWNET) < 0)
    return vessel_fail_errno (err, errno, "enter the container's network namespace");
  int ret = rtnl_open (s, err);
  if (setns (self, CLONE_NEWNET) < 0)
    {
      int saved = errno;
      closep (&s->fd);
      return ret < 0 ? ret : vessel_fail_errno (err, saved, "return to vessel's network namespace");
    }
  return ret;
}

/* The status in an NLMSG_ERROR (0 for an ack), keeping the kernel's
   message (NLMSGERR_ATTR_MSG) when it gave one. */
static int
ack_status (struct rtnl *s, const struct nlmsghdr *m)
{
  if (m->nlmsg_len < NLMSG_LENGTH (sizeof (struct nlmsgerr)))
    return -EPROTO;
  const struct nlmsgerr *e = NLMSG_DATA (m);
  if (e->error >= 0 || !(m->nlmsg_flags & NLM_F_ACK_TLVS))
    return e->error;
  size_t at = NLMSG_LENGTH (sizeof *e);
  if (!(m->nlmsg_flags & NLM_F_CAPPED))
    at += NLMSG_ALIGN (e->msg.nlmsg_len - NLMSG_HDRLEN);
  while (at + NLA_HDRLEN <= m->nlmsg_len)
    {
      const struct nlattr *a = (const struct nlattr *) ((const char *) m + at);
      if (a->nla_len < NLA_HDRLEN || at + a->nla_len > m->nlmsg_len)
        break;
      if (a->nla_type == NLMSGERR_ATTR_MSG)
        snprintf (s->why, sizeof s->why, "%.*s", (int) (a->nla_len - NLA_HDRLEN),
                  (const char *) a + NLA_HDRLEN);
      at += NLA_ALIGN (a->nla_len);
    }
  return e->error;
}

/* NLMSG_OK and NLMSG_NEXT, without their int/unsigned comparisons. */
static bool
nl_ok (const struct nlmsghdr *m, size_t left)
{
  return left >= sizeof *m && m->nlmsg_len >= sizeof *m && m->nlmsg_len <= left;
}

static const struct nlmsghdr *
nl_next (const struct nlmsghdr *m, size_t *left)
{
  size_t step = NLMSG_ALIGN (m->nlmsg_len);
  *left = step < *left ? *left - step : 0;
  return (const struct nlmsghdr *) ((const char *) m + step);
}

typedef int (*nl_each_fn) (const struct nlmsghdr *m, void *arg);

/* Sends req and reads its answers, each message to `each` (may be NULL),
   up to the ack (every request but a dump asks for one: NLM_F_ACK) or
   the end of a dump.  0 or
   -errno, with the kernel's text in s->why. */
static int
rtnl_talk (struct rtnl *s, struct nlmsghdr *req, nl_each_fn each, void *arg)
{
  req->nlmsg_seq = ++s->seq;
  s->why[0] = '\0';
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  if (sendto (s->fd, req, req->nlmsg_len, 0, (struct sockaddr *) &kernel, sizeof kernel) < 0)
    return -errno;
  union
  {
    struct nlmsghdr h;
    char bytes[32768]; /* the kernel's dump chunks fit */
  } buf;
  for (;;)
    {
      ssize_t got = recv (s->fd, buf.bytes, sizeof buf.bytes, MSG_TRUNC);
      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        return -errno;
      if (got == 0 || (size_t) got > sizeof buf.bytes)
        return -EPROTO;
      size_t left = (size_t) got;
      for (const struct nlmsghdr *m = &buf.h; nl_ok (m, left); m = nl_next (m, &left))
        {
          if (m->nlmsg_seq != s->seq)
            continue;
          if (m->nlmsg_type == NLMSG_ERROR)
            return ack_status (s, m);
          if (m->nlmsg_type == NLMSG_DONE)
            {
              int status = 0;
              if (m->nlmsg_len >= NLMSG_LENGTH (sizeof status))
                memcpy (&status, NLMSG_DATA (m), sizeof status);
              return status < 0 ? status : 0;
            }
          int ret = each ? each (m, arg) : 0;
          if (ret < 0)
            return ret;
        }
    }
}

static int __attribute__ ((format (printf, 4, 5)))
rtnl_fail (vessel_error **err, const struct rtnl *s, int ret, const char *fmt, ...)
{
  char what[512];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (what, sizeof what, fmt, ap);
  va_end (ap);
  if (s->why[0])
    return vessel_fail (err, -ret, "%s: %s (%s)", what, strerror (-ret), s->why);
  return vessel_fail_errno (err, -ret, "%s", what);
}

/* ---- links ------------------------------------------------------------- */

static int
on_link (const struct nlmsghdr *m, void *arg)
{
  int *index = arg;
  if (m->nlmsg_type == RTM_NEWLINK && m->nlmsg_len >= NLMSG_LENGTH (sizeof (struct ifinfomsg)))
    *index = ((const struct ifinfomsg *) NLMSG_DATA (m))->ifi_index;
  return 0;
}

static int
link_index (struct rtnl *s, const char *name, int *index)
{
  struct nl_request r;
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
  nl_request_init (&r, RTM_GETLINK, NLM_F_ACK, &ifi, sizeof ifi);
  int ret = nl_put (&r, IFLA_IFNAME, name, strlen (name) + 1);
  *index = 0;
  if (ret == 0)
    ret = rtnl_talk (s, &r.h, on_link, index);
  return ret == 0 && *index <= 0 ? -EPROTO : ret;
}

struct index_set
{
  int *v;
  size_t n;
};

static void
index_set_free (struct index_set *set)
{
  free (set->v);
}

static int
on_link_collect (const struct nlmsghdr *m, void *arg)
{
  struct index_set *set = arg;
  int index = 0;
  on_link (m, &index);
  if (index <= 0)
    return 0;
  int *v = realloc (set->v, (set->n + 1) * sizeof *v);
  if (v == NULL)
    return -ENOMEM;
  set->v = v;
  set->v[set->n++] = index;
  return 0;
}

static int
link_indices (struct rtnl *s, struct index_set *set)
{
  struct nl_request r;
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
  nl_request_init (&r, RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof ifi);
  return rtnl_talk (s, &r.h, on_link_collect, set);
}

static bool
has_index (const struct index_set *set, int index)
{
  for (size_t i = 0; i < set->n; i++)
    if (set->v[i] == index)
      return true;
  return false;
}

/* The one link of `after` that `before` lacks: where a `%d` name went.
   -EAGAIN if the namespace changed under us in some other way. */
static int
new_link (const struct index_set *before, const struct index_set *after, int *index)
{
  *index = 0;
  for (size_t i = 0; i < after->n; i++)
    if (!has_index (before, after->v[i]))
      {
        if (*index)
          return -EAGAIN;
        *index = after->v[i];
      }
  return *index ? 0 : -ENODEV;
}

/* One RTM_NEWLINK: the kernel moves the device, then, in its new
   namespace, gives it new_name (NULL: keeps its own). */
static int
move_link (struct rtnl *s, int index, int nsfd, const char *new_name)
{
  struct nl_request r;
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = index };
  nl_request_init (&r, RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof ifi);
  uint32_t fd = (uint32_t) nsfd;
  int ret = nl_put (&r, IFLA_NET_NS_FD, &fd, sizeof fd);
  if (ret == 0 && new_name)
    ret = nl_put (&r, IFLA_IFNAME, new_name, strlen (new_name) + 1);
  return ret < 0 ? ret : rtnl_talk (s, &r.h, NULL, NULL);
}

static int
link_up (struct rtnl *s, int index)
{
  struct nl_request r;
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = index, .ifi_flags = IFF_UP, .ifi_change = IFF_UP };
  nl_request_init (&r, RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof ifi);
  return rtnl_talk (s, &r.h, NULL, NULL);
}

/* ---- addresses ----------------------------------------------------------- */

/* The permanent global addresses of one link, kept as the RTM_NEWADDR
   requests that put them back. */
struct addr_list
{
  int index;
  struct nl_request *v;
  size_t n;
};

static void
addr_list_free (struct addr_list *l)
{
  free (l->v);
}

/* What an address is made of; the rest (label, cache info, lifetimes)
   belongs to the old device or is the kernel's to compute. */
static bool
kept_attr (unsigned short type)
{
  return type == IFA_ADDRESS || type == IFA_LOCAL || type == IFA_BROADCAST || type == IFA_FLAGS
         || type == IFA_RT_PRIORITY || type == IFA_PROTO;
}

static int
on_addr (const struct nlmsghdr *m, void *arg)
{
  struct addr_list *l = arg;
  if (m->nlmsg_type != RTM_NEWADDR || m->nlmsg_len < NLMSG_LENGTH (sizeof (struct ifaddrmsg)))
    return 0;
  const struct ifaddrmsg *ifa = NLMSG_DATA (m);
  if ((int) ifa->ifa_index != l->index || ifa->ifa_scope != RT_SCOPE_UNIVERSE)
    return 0;
  uint32_t flags = ifa->ifa_flags; /* IFA_FLAGS, when there, has all 32 bits */
  int len = (int) IFA_PAYLOAD (m);
  for (const struct rtattr *a = IFA_RTA (ifa); RTA_OK (a, len); a = RTA_NEXT (a, len))
    if (a->rta_type == IFA_FLAGS && RTA_PAYLOAD (a) >= sizeof flags)
      memcpy (&flags, RTA_DATA (a), sizeof flags);
  if (!(flags & IFA_F_PERMANENT))
    return 0;

  struct nl_request *v = realloc (l->v, (l->n + 1) * sizeof *v);
  if (v == NULL)
    return -ENOMEM;
  l->v = v;
  struct nl_request *r = &l->v[l->n++];
  nl_request_init (r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, ifa, sizeof *ifa);
  len = (int) IFA_PAYLOAD (m);
  for (const struct rtattr *a = IFA_RTA (ifa); RTA_OK (a, len); a = RTA_NEXT (a, len))
    if (kept_attr (a->rta_type) && nl_put (r, a->rta_type, RTA_DATA (a), RTA_PAYLOAD (a)) < 0)
      return -ENOBUFS;
  return 0;
}

static int
permanent_addresses (struct rtnl *s, int index, struct addr_list *l)
{
  struct nl_request r;
  struct ifaddrmsg ifa = { .ifa_family = AF_UNSPEC };
  nl_request_init (&r, RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof ifa);
  l->index = index;
  return rtnl_talk (s, &r.h, on_addr, l);
}

/* "10.0.0.1/24", for messages. */
static void
addr_text (struct nl_request *r, char *buf, size_t size)
{
  struct ifaddrmsg *ifa = NLMSG_DATA (&r->h);
  char ip[INET6_ADDRSTRLEN] = "?";
  int len = (int) IFA_PAYLOAD (&r->h);
  for (const struct rtattr *a = IFA_RTA (ifa); RTA_OK (a, len); a = RTA_NEXT (a, len))
    if (a->rta_type == IFA_LOCAL || (a->rta_type == IFA_ADDRESS && ip[0] == '?'))
      inet_ntop (ifa->ifa_family, RTA_DATA (a), ip, sizeof ip);
  snprintf (buf, size, "%s/%u", ip, ifa->ifa_prefixlen);
}

/* ---- one device ---------------------------------------------------------- */

struct netdev_move
{
  struct rtnl *host, *inner;
  int nsfd;
};

/* Where the device is once in the container: by its name, or, for a `%d`
   name the kernel completed, as the one new link of the namespace. */
static int
find_moved (struct netdev_move *mv, const char *name, const struct index_set *before, int *index)
{
  if (!vessel_netdev_is_template (name))
    return link_index (mv->inner, name, index);
  __attribute__ ((cleanup (index_set_free))) struct index_set after = { 0 };
  int ret = link_indices (mv->inner, &after);
  return ret < 0 ? ret : new_link (before, &after, index);
}

/* The kernel renames a device after it has moved, so a name that is
   taken would fail only then, with the device already in the container:
   checked first. */
static int
name_is_free (struct netdev_move *mv, const struct oci_net_device *d, vessel_error **err)
{
  const char *name = vessel_netdev_container_name (d);
  int index;
  int ret = link_index (mv->inner, name, &index);
  if (ret == 0)
    {
      cleanup_free char *field = vessel_netdev_field (d->host_name);
      return vessel_fail (err, EEXIST, "%s: the container already has a network interface `%s`", field, name);
    }
  return ret == -ENODEV ? 0 : rtnl_fail (err, mv->inner, ret, "look for `%s` in the container", name);
}

static int
move_one (struct netdev_move *mv, const struct oci_net_device *d, vessel_error **err)
{
  const char *name = vessel_netdev_container_name (d);
  int index, ret;
  if ((ret = link_index (mv->host, d->host_name, &index)) < 0)
    {
      cleanup_free char *field = vessel_netdev_field (d->host_name);
      return rtnl_fail (err, mv->host, ret, "%s: find the network interface in vessel's namespace", field);
    }

  __attribute__ ((cleanup (addr_list_free))) struct addr_list addrs = { 0 };
  if ((ret = permanent_addresses (mv->host, index, &addrs)) < 0)
    return rtnl_fail (err, mv->host, ret, "list the addresses of `%s`", d->host_name);
  __attribute__ ((cleanup (index_set_free))) struct index_set before = { 0 };
  if (vessel_netdev_is_template (name) && (ret = link_indices (mv->inner, &before)) < 0)
    return rtnl_fail (err, mv->inner, ret, "list the container's network interfaces");
  if (!vessel_netdev_is_template (name) && (ret = name_is_free (mv, d, err)) < 0)
    return ret;
  if ((ret = move_link (mv->host, index, mv->nsfd, vessel_netdev_new_name (d))) < 0)
    {
      cleanup_free char *field = vessel_netdev_field (d->host_name);
      return rtnl_fail (err, mv->host, ret, "%s: move it into the container as `%s`", field, name);
    }
  if ((ret = find_moved (mv, name, &before, &index)) < 0)
    return rtnl_fail (err, mv->inner, ret, "find `%s` (was `%s`) in the container", name, d->host_name);

  for (size_t i = 0; i < addrs.n; i++)
    {
      ((struct ifaddrmsg *) NLMSG_DATA (&addrs.v[i].h))->ifa_index = (uint32_t) index;
      if ((ret = rtnl_talk (mv->inner, &addrs.v[i].h, NULL, NULL)) < 0)
        {
          char text[INET6_ADDRSTRLEN + 8];
          addr_text (&addrs.v[i], text, sizeof text);
          return rtnl_fail (err, mv->inner, ret, "give `%s` back its address %s in the container", name, text);
        }
    }
  if ((ret = link_up (mv->inner, index)) < 0)
    return rtnl_fail (err, mv->inner, ret, "bring `%s` up in the container", name);
  return 0;
}

int
vessel_netdev_move_all (const struct oci_linux *lx, pid_t init, vessel_error **err)
{
  if (lx == NULL || lx->net_devices_len == 0)
    return 0;
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/ns/net", (int) init);
  cleanup_close int nsfd = open (path, O_RDONLY | O_CLOEXEC);
  if (nsfd < 0)
    return vessel_fail_errno (err, errno, "open %s", path);
  struct rtnl host = { .fd = -1 }, inner = { .fd = -1 };
  struct netdev_move mv = { .host = &host, .inner = &inner, .nsfd = nsfd };
  int ret = rtnl_open (&host, err);
  if (ret == 0)
    ret = rtnl_open_in (&inner, nsfd, err);
  for (size_t i = 0; ret == 0 && i < lx->net_devices_len; i++)
    ret = move_one (&mv, &lx->net_devices[i], err);
  closep (&host.fd);
  closep (&inner.fd);
  return ret;
}
