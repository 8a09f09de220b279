<?php
/**
 * Plugin Name: Health Widgets
 * Description: Embeds Health Widgets articles from a pasted URL, with the widget's own frame: no inner scrollbar, links that open, your theme.
 * Version: 1.0.0
 * Requires at least: 5.9
 * License: GPL-2.0-or-later
 * License URI: https://www.gnu.org/licenses/gpl-2.0.html
 *
 * Why a plugin: WordPress sanitises the oEmbed HTML of a provider it only discovered (it keeps a
 * bare iframe, sandboxed without popups, and drops its style). A provider registered with
 * wp_oembed_add_provider(..., true) is trusted: our iframe arrives as we wrote it.
 */

defined( 'ABSPATH' ) || exit;

const HEALTH_WIDGETS_OPTION = 'health_widgets';

/** The settings, with defaults: the widget server's URL, the default theme, the partner id. */
function health_widgets_settings() {
	$saved = get_option( HEALTH_WIDGETS_OPTION, array() );
	return wp_parse_args(
		is_array( $saved ) ? $saved : array(),
		array(
			'server'  => '',
			'theme'   => '',
			'partner' => '',
		)
	);
}

/** Register our server as a trusted oEmbed provider for its article and widget URLs. */
function health_widgets_register_provider() {
	$server = untrailingslashit( health_widgets_settings()['server'] );
	if ( '' === $server ) {
		return;
	}
	$pattern = '#^' . preg_quote( $server, '#' ) . '/(articles|embed|fragment)/.+#i';
	wp_oembed_add_provider( $pattern, $server . '/oembed', true );
}
add_action( 'init', 'health_widgets_register_provider' );

/** Add the default theme and the partner id to the pasted URL, unless it names its own. */
function health_widgets_fetch_url( $provider, $url, $args ) {
	$settings = health_widgets_settings();
	$server   = untrailingslashit( $settings['server'] );
	if ( '' === $server || 0 !== strpos( $provider, $server . '/oembed' ) ) {
		return $provider;
	}
	$query = array();
	wp_parse_str( (string) wp_parse_url( $url, PHP_URL_QUERY ), $query );
	$extra = array();
	if ( '' !== $settings['partner'] && ! isset( $query['partner'] ) ) {
		$extra['partner'] = $settings['partner'];
	}
	if ( '' !== $settings['theme'] && ! isset( $query['theme'] ) ) {
		$extra['theme'] = $settings['theme'];
	}
	if ( ! $extra ) {
		return $provider;
	}
	return add_query_arg( 'url', rawurlencode( add_query_arg( $extra, $url ) ), $provider );
}
add_filter( 'oembed_fetch_url', 'health_widgets_fetch_url', 10, 3 );

/**
 * Drop the blockquote our oEmbed answer starts with: it is the fallback WordPress shows for a
 * discovered provider until the frame loads, and beside a trusted frame it would be a second link.
 */
function health_widgets_oembed_result( $html, $url ) {
	$server = untrailingslashit( health_widgets_settings()['server'] );
	if ( '' === $server || ! is_string( $html ) || 0 !== strpos( $url, $server . '/' ) ) {
		return $html;
	}
	return preg_replace( '#^\s*<blockquote>.*?</blockquote>#s', '', $html );
}
add_filter( 'oembed_result', 'health_widgets_oembed_result', 10, 2 );

/** WordPress only fetches from ports 80, 443 and 8080: let it reach our server on its own port too. */
function health_widgets_safe_ports( $ports, $host ) {
	$server = wp_parse_url( health_widgets_settings()['server'] );
	if ( isset( $server['host'], $server['port'] ) && strtolower( $server['host'] ) === strtolower( $host ) ) {
		$ports[] = (int) $server['port'];
	}
	return $ports;
}
add_filter( 'http_allowed_safe_ports', 'health_widgets_safe_ports', 10, 2 );

/**
 * The partner side of auto-height for browsers that cannot size a frame by themselves: each of our
 * frames reports its height ({type: "health-widgets:height", height}); only our server's frames are
 * resized. Chromium sizes them with no script (frame-sizing in the iframe's style).
 */
function health_widgets_resize_listener() {
	$server = health_widgets_settings()['server'];
	if ( '' === $server ) {
		return;
	}
	$origin = wp_parse_url( $server, PHP_URL_SCHEME ) . '://' . wp_parse_url( $server, PHP_URL_HOST );
	$port   = wp_parse_url( $server, PHP_URL_PORT );
	$origin .= $port ? ':' . $port : '';
	$script = 'addEventListener("message",function(e){var d=e.data;if(e.origin!==' . wp_json_encode( $origin )
		. '||!d||d.type!=="health-widgets:height"||typeof d.height!=="number")return;'
		. 'document.querySelectorAll("iframe").forEach(function(f){if(f.contentWindow===e.source)f.style.height=d.height+"px";});});';
	wp_register_script( 'health-widgets-resize', false, array(), '1.0.0', true );
	wp_enqueue_script( 'health-widgets-resize' );
	wp_add_inline_script( 'health-widgets-resize', $script );
}
add_action( 'wp_enqueue_scripts', 'health_widgets_resize_listener' );

/** Settings → Health Widgets: the three settings, checked on save. */
function health_widgets_sanitize( $input ) {
	$input = is_array( $input ) ? $input : array();
	$server = esc_url_raw( trim( (string) ( $input['server'] ?? '' ) ), array( 'http', 'https' ) );
	$theme  = (string) ( $input['theme'] ?? '' );
	$id     = (string) ( $input['partner'] ?? '' );
	return array(
		'server'  => untrailingslashit( $server ),
		'theme'   => in_array( $theme, array( 'light', 'dark', 'auto' ), true ) ? $theme : '',
		'partner' => preg_match( '/^[a-z0-9]+(?:-[a-z0-9]+)*$/', $id ) ? $id : '',
	);
}

function health_widgets_admin_init() {
	register_setting( 'health_widgets', HEALTH_WIDGETS_OPTION, array( 'sanitize_callback' => 'health_widgets_sanitize' ) );
}
add_action( 'admin_init', 'health_widgets_admin_init' );

function health_widgets_admin_menu() {
	add_options_page( 'Health Widgets', 'Health Widgets', 'manage_options', 'health-widgets', 'health_widgets_settings_page' );
}
add_action( 'admin_menu', 'health_widgets_admin_menu' );

function health_widgets_settings_page() {
	$s    = health_widgets_settings();
	$name = HEALTH_WIDGETS_OPTION;
	echo '<div class="wrap"><h1>Health Widgets</h1><form method="post" action="options.php">';
	settings_fields( 'health_widgets' );
	echo '<table class="form-table" role="presentation">';
	printf(
		'<tr><th scope="row"><label for="hw-server">Server URL</label></th><td><input id="hw-server" class="regular-text" type="url" name="%s[server]" value="%s" placeholder="https://widgets.example.org"></td></tr>',
		esc_attr( $name ),
		esc_attr( $s['server'] )
	);
	echo '<tr><th scope="row"><label for="hw-theme">Default theme</label></th><td><select id="hw-theme" name="' . esc_attr( $name ) . '[theme]">';
	foreach ( array( '' => 'The widget\'s own (follows the reader\'s system)', 'light' => 'Light', 'dark' => 'Dark', 'auto' => 'Auto' ) as $value => $label ) {
		printf( '<option value="%s"%s>%s</option>', esc_attr( $value ), selected( $s['theme'], $value, false ), esc_html( $label ) );
	}
	echo '</select></td></tr>';
	printf(
		'<tr><th scope="row"><label for="hw-partner">Partner id</label></th><td><input id="hw-partner" type="text" name="%s[partner]" value="%s"><p class="description">The id your Health Widgets contact gave you, if any.</p></td></tr>',
		esc_attr( $name ),
		esc_attr( $s['partner'] )
	);
	echo '</table>';
	submit_button();
	echo '</form></div>';
}
