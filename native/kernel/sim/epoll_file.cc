#include "epoll_file.h"

#include <algorithm>
#include <iterator>

namespace edgeloop {

namespace {
// EP_MAX_NESTS: how deep epoll instances may nest.
constexpr int kMaxNests = 4;
}  // namespace

void EpollItem::Wake(uint32_t key) { ep_->OnItemWake(this, key); }

void EpollFile::OnItemWake(EpollItem* item, uint32_t key) {
  // A disarmed ONESHOT item has no event bits left: it ignores wakeups.
  if (!(item->events & ~ev::kPrivateBits)) return;
  // A wakeup about other events does not concern this item.
  if (key != 0 && !(key & item->events)) return;
  // Edge- and level-triggered alike are queued on *every* matching wakeup,
  // not only on an empty-to-non-empty change; ET only differs at delivery.
  if (!item->linked) LinkReady(item);
  // Nested pollers of this epoll hear about it (ep_poll_safewake).
  wait_queue().Wake(ev::kIn);
}

void EpollFile::LinkReady(EpollItem* item) {
  ready_.push_back(item);
  item->link = std::prev(ready_.end());
  item->linked = true;
}

SysResult EpollFile::Add(File* target, int32_t fd, uint32_t events, uint64_t data) {
  const Key key{target->id(), fd};
  if (items_.count(key)) return SysResult::Fail(err::kEEXIST);
  auto item = std::make_unique<EpollItem>(this, target, fd);
  // EPOLLERR and EPOLLHUP are always reported, asked for or not.
  item->events = events | ev::kErr | ev::kHup;
  item->data = data;
  EpollItem* raw = item.get();
  items_.emplace(key, std::move(item));
  target->wait_queue().Add(raw);
  target->epoll_items().push_back(raw);
  // ADD polls the file at once: a ready file is queued immediately.
  if (ItemPoll(raw) && !raw->linked) {
    LinkReady(raw);
    wait_queue().Wake(ev::kIn);
  }
  return SysResult::Ok();
}

SysResult EpollFile::Modify(File* target, int32_t fd, uint32_t events, uint64_t data) {
  auto it = items_.find(Key{target->id(), fd});
  if (it == items_.end()) return SysResult::Fail(err::kENOENT);
  EpollItem* item = it->second.get();
  if (item->events & ev::kExclusive) return SysResult::Fail(err::kEINVAL);
  item->events = events | ev::kErr | ev::kHup;
  item->data = data;
  // MOD re-polls too: this is the "forced" EPOLLOUT the tutorial relies on.
  if (ItemPoll(item) && !item->linked) {
    LinkReady(item);
    wait_queue().Wake(ev::kIn);
  }
  return SysResult::Ok();
}

SysResult EpollFile::Delete(File* target, int32_t fd) {
  auto it = items_.find(Key{target->id(), fd});
  if (it == items_.end()) return SysResult::Fail(err::kENOENT);
  RemoveItem(it->second.get());
  return SysResult::Ok();
}

void EpollFile::RemoveItem(EpollItem* item) {
  if (item->linked) {
    ready_.erase(item->link);
    item->linked = false;
  }
  File* target = item->file();
  target->wait_queue().Remove(item);
  auto& links = target->epoll_items();
  links.erase(std::remove(links.begin(), links.end(), item), links.end());
  items_.erase(Key{target->id(), item->fd()});
}

bool EpollFile::Reaches(const EpollFile* target, int depth) const {
  if (depth > kMaxNests) return true;
  for (const auto& entry : items_) {
    File* f = entry.second->file();
    if (f == target) return true;
    if (EpollFile* nested = f->AsEpoll()) {
      if (nested->Reaches(target, depth + 1)) return true;
    }
  }
  return false;
}

bool EpollFile::WouldLoop(EpollFile* target) const {
  // Adding `target` into this epoll loops if `target` already reaches us.
  return target->Reaches(this, 1);
}

int32_t EpollFile::SendEvents(EpollEvent* out, int32_t maxevents) {
  // ep_start_scan: take the whole ready list; items stay "linked" while on it.
  std::list<EpollItem*> scan;
  scan.splice(scan.begin(), ready_);
  int32_t count = 0;
  while (!scan.empty() && count < maxevents) {
    EpollItem* item = scan.front();
    scan.pop_front();
    item->linked = false;
    // Re-poll the whole mask: what is reported is the state now, not the
    // event that queued the item.
    const uint32_t revents = ItemPoll(item);
    if (!revents) continue;
    out[count].events = revents;
    out[count].data = item->data;
    ++count;
    if (item->events & ev::kOneShot) {
      item->events &= ev::kPrivateBits;  // disarmed until EPOLL_CTL_MOD
    } else if (!(item->events & ev::kEt)) {
      LinkReady(item);  // level-triggered: back to the tail, polled again next time
    }
  }
  // ep_done_scan: what maxevents left over goes back to the *front*.
  ready_.splice(ready_.begin(), scan);
  return count;
}

uint32_t EpollFile::Poll() {
  // Readable when some ready item really has events; stale ones are dropped.
  for (auto it = ready_.begin(); it != ready_.end();) {
    EpollItem* item = *it;
    if (ItemPoll(item)) return ev::kIn | ev::kRdNorm;
    it = ready_.erase(it);
    item->linked = false;
  }
  return 0;
}

void EpollFile::Release() {
  while (!items_.empty()) RemoveItem(items_.begin()->second.get());
}

void EpollFile::Describe(JsonWriter& json) const {
  json.FieldString("type", "epoll");
  json.Key("interest");
  json.BeginArray();
  for (const auto& entry : items_) {
    const EpollItem& item = *entry.second;
    json.BeginObject();
    json.Field("fd", item.fd());
    json.Field("file", item.file()->id());
    json.Field("events", item.events);
    json.Field("data", static_cast<int64_t>(item.data));
    json.FieldBool("ready", item.linked);
    json.EndObject();
  }
  json.EndArray();
  json.Key("ready");
  json.BeginArray();
  for (const EpollItem* item : ready_) json.Int(item->fd());
  json.EndArray();
}

}  // namespace edgeloop
