"""Django's Redis cache, with one redis-py client per server instead of one per call.

Django builds a new `redis.Redis` for every cache operation, and setting one up (a table of
some 170 reply callbacks) costs more CPU than the operation's round trip. A client is safe
to share between threads, since each command takes a connection from the pool, so each
server's is made once and kept. Connections, and their reopening after a fork, stay the
pool's business, as before.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        if index not in self._clients:
            self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return self._clients[index]


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
